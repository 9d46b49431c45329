import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { runActiveCheck } from '../../../src/health/run-check.js';
import { tcpCheck } from '../../../src/health/tcp-check.js';
import { checkTarget, targetUrl } from '../../../src/health/target.js';

function listen(server: net.Server): Promise<number> {
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)));
}

describe('TCP check', () => {
  it('passes while the port accepts and fails once it is closed', async () => {
    const server = net.createServer((s) => s.destroy());
    const port = await listen(server);
    const up = await tcpCheck({ host: '127.0.0.1', port, family: 4 }, 1000);
    assert.equal(up.ok, true);
    await new Promise<void>((r) => server.close(() => r()));
    const down = await tcpCheck({ host: '127.0.0.1', port, family: 4 }, 1000);
    assert.equal(down.ok, false);
    assert.match(down.output, /ECONNREFUSED/);
  });
});

describe('check targets', () => {
  it('reads ipv4 (preferred) or ipv6 and port', () => {
    assert.deepEqual(checkTarget({ ipv4: '10.0.0.1', ipv6: '::1', port: '80' }), { host: '10.0.0.1', port: 80, family: 4 });
    assert.deepEqual(checkTarget({ ipv6: '::1', port: '443' }), { host: '::1', port: 443, family: 6 });
    assert.equal(typeof checkTarget({ ipv4: '10.0.0.1' }), 'string');
    assert.equal(typeof checkTarget({ ipv4: '10.0.0.1', port: '70000' }), 'string');
    assert.equal(typeof checkTarget({ port: '80' }), 'string');
  });
  it('formats IPv6 URLs with brackets', () => {
    assert.equal(targetUrl('https', { host: 'fe80::1', port: 8443, family: 6 }, '/h'), 'https://[fe80::1]:8443/h');
  });
  it('an instance without an address fails the check instead of throwing', async () => {
    const r = await runActiveCheck({ type: 'TCP', intervalMs: 1000, timeoutMs: 500, failureThreshold: 1, successThreshold: 1 }, {});
    assert.equal(r.ok, false);
    assert.match(r.output, /port/);
  });
});

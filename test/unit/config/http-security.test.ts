import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveAgentConfig } from '../../../src/config/load.js';
import { tempDir } from '../../integration/helpers/daemon.js';
import { rmSync } from 'node:fs';

test('security config: defaults are off; bad values are refused naming the field', () => {
  const dir = tempDir('grapevine-seccfg-');
  try {
    const file = join(dir, 'c.json');
    const load = (o: unknown) => {
      writeFileSync(file, JSON.stringify(o));
      return resolveAgentConfig({ config: file, node: 'a' }, 4096);
    };
    const c = load({});
    assert.deepEqual(c.acl, { enabled: false, defaultPolicy: 'deny' });
    assert.deepEqual(c.limits, { httpReadsPerSec: 0, httpWritesPerSec: 0, dnsResponsesPerSec: 0, dnsSlip: 2 });
    assert.equal(c.verifyIncoming, false);
    assert.equal(c.tls, undefined);
    const ok = load({ acl: { enabled: true, initialManagementToken: 'x'.repeat(20) }, limits: { httpReadsPerSec: 100 }, http: { corsOrigins: ['https://ui.example.com'] } });
    assert.equal(ok.acl.enabled, true);
    assert.equal(ok.limits.httpReadsPerSec, 100);
    assert.deepEqual(ok.http.corsOrigins, ['https://ui.example.com']);
    const bad: [unknown, RegExp][] = [
      [{ acl: { enabled: 'yes' } }, /acl\.enabled/],
      [{ acl: { defaultPolicy: 'maybe' } }, /acl\.defaultPolicy/],
      [{ acl: { initialManagementToken: 'short' } }, /acl\.initialManagementToken/],
      [{ acl: { dnsTokn: 'x' } }, /dnsTokn/],
      [{ limits: { httpReadsPerSec: -1 } }, /limits\.httpReadsPerSec/],
      [{ limits: { dnsSlip: 11 } }, /limits\.dnsSlip/],
      [{ http: { corsOrigins: ['https://ui.example.com/path'] } }, /http\.corsOrigins\[0\]/],
      [{ verifyIncoming: 'yes' }, /verifyIncoming: must be true or false/],
      [{ tls: { certFile: '/x.pem' } }, /tls\.caFile/],
      [{ tls: { caFile: '/no/such/ca.pem', certFile: '/x.pem', keyFile: '/k.pem' } }, /tls\.caFile: cannot read/],
      [{ httpsAddr: '127.0.0.1:8501' }, /httpsAddr: needs tls\.caFile, tls\.certFile and tls\.keyFile/],
      [{ verifyIncoming: true }, /verifyIncoming: applies to the HTTPS API/],
    ];
    for (const [cfg, re] of bad) assert.throws(() => load(cfg), re, JSON.stringify(cfg));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigObject, resolveAgentConfig } from '../../../src/config/load.js';
import { parseHostPort } from '../../../src/config/addr.js';
import { GrapevineError } from '../../../src/core/errors.js';

const msg = (fn: () => unknown) => {
  try {
    fn();
    return 'none';
  } catch (e) {
    assert.ok(e instanceof GrapevineError);
    return e.message;
  }
};

test('flags only: every field has a default; flags win', () => {
  const c = resolveAgentConfig({ node: 'solo', httpAddr: '127.0.0.1:9000', join: ['10.0.0.1:7946'], preset: 'test' });
  assert.equal(c.node.name, 'solo');
  assert.equal(c.node.httpAddr, '127.0.0.1:9000');
  assert.equal(c.node.gossipAddr, '127.0.0.1:7946');
  assert.equal(c.node.dataDir, join('data', 'solo'));
  assert.equal(c.node.dnsAddr, undefined);
  assert.deepEqual(c.join, ['10.0.0.1:7946']);
  assert.equal(c.preset, 'test');
  assert.equal(c.gossip.probeIntervalMs, 100);
  assert.match(msg(() => resolveAgentConfig({ node: 'x', httpAddr: 'nope' })), /^--http-addr/);
  assert.match(msg(() => resolveAgentConfig({ node: 'x', logLevel: 'loud' })), /^--log-level/);
  assert.match(msg(() => resolveAgentConfig({ node: 'bad name' })), /^--node/);
});

test('config file: node picked by --node, flags override, registrations filtered by owner', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gv-cfg-'));
  try {
    const file = join(dir, 'c.json');
    writeFileSync(
      file,
      JSON.stringify({
        cluster: 'c',
        nodes: [
          { name: 'a', gossipAddr: '127.0.0.1:1', httpAddr: '127.0.0.1:2', dataDir: '/tmp/a' },
          { name: 'b', gossipAddr: '127.0.0.1:3', httpAddr: '127.0.0.1:4', dnsAddr: '127.0.0.1:5', dataDir: '/tmp/b' },
        ],
        gossip: { fanout: 5 },
        registrations: [
          { namespace: 'n.internal', service: 's', id: 'x' },
          { namespace: 'n.internal', service: 's', id: 'y', node: 'b' },
        ],
      }),
    );
    const b = resolveAgentConfig({ config: file, node: 'b', dataDir: '/tmp/other' });
    assert.equal(b.node.dnsAddr, '127.0.0.1:5');
    assert.equal(b.node.dataDir, '/tmp/other');
    assert.equal(b.gossip.fanout, 5);
    assert.deepEqual(b.registrations.map((r) => r.id), ['y']);
    assert.deepEqual(resolveAgentConfig({ config: file, node: 'a' }).registrations.map((r) => r.id), ['x']);
    assert.match(msg(() => resolveAgentConfig({ config: file, node: 'zz' })), /^--node/);
    assert.match(msg(() => resolveAgentConfig({ config: join(dir, 'missing.json') })), /^--config/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad fields are named', () => {
  assert.match(msg(() => parseConfigObject({ nodes: [{ name: 'a', gossipAddr: 'x', httpAddr: '1.1.1.1:1', dataDir: 'd' }] })), /^nodes\[0\]\.gossipAddr/);
  assert.match(msg(() => parseConfigObject({ nodes: [{ name: 'a', gossipAddr: '1.1.1.1:1', httpAddr: '1.1.1.1:1', dataDir: 'd', colour: 1 }] })), /^nodes\[0\]\.colour/);
  assert.match(msg(() => parseConfigObject({ health: { maxConcurrentChecks: 0 } })), /^health\.maxConcurrentChecks/);
  assert.match(msg(() => parseConfigObject({ namespaces: [{ name: 'n.internal', type: 'DNS', soaTtl: -5 }] })), /^namespaces\[0\]\.soaTtl/);
  assert.match(msg(() => parseConfigObject({ registrations: [{ namespace: 'n', service: 's', id: 'bad id' }] })), /^registrations\[0\]\.id/);
  assert.match(msg(() => parseConfigObject({ encryptKeys: [Buffer.alloc(16).toString('base64')] })), /^encryptKeys\[0\]/);
  parseConfigObject({ encryptKeys: [Buffer.alloc(32, 7).toString('base64')] });
  assert.deepEqual(parseHostPort('[::1]:53', 'x'), { host: '::1', port: 53 });
  assert.match(msg(() => parseHostPort('host:70000', 'dns.recursors[0]')), /^dns\.recursors\[0\]/);
});

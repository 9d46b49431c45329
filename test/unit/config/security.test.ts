import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCa, createNodeCert } from '../../../src/cli/tls.js';
import { resolveAgentConfig } from '../../../src/config/load.js';
import { isLoopbackHost } from '../../../src/config/tls.js';
import { GrapevineError } from '../../../src/core/errors.js';
import { tempDir } from '../../integration/helpers/daemon.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

const msg = (fn: () => unknown) => {
  try {
    fn();
    return 'none';
  } catch (e) {
    assert.ok(e instanceof GrapevineError);
    return e.message;
  }
};

function withFile<T>(body: object, fn: (file: string, dir: string) => T): T {
  const dir = tempDir('gv-sec-');
  try {
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify(body));
    return fn(file, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('loopback means 127.0.0.0/8, ::1 and localhost; wildcard binds and other addresses are reachable', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', 'LOCALHOST']) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.5', 'fe80::1', 'node1.example', '128.0.0.1']) assert.equal(isLoopbackHost(h), false, h);
});

test('a reachable gossip address needs encryptKeys or gossip.insecure; loopback needs neither', () => {
  assert.match(msg(() => resolveAgentConfig({ node: 'n', gossipAddr: '0.0.0.0:7946' })), /^encryptKeys: .*grapevine keygen/);
  assert.match(msg(() => resolveAgentConfig({ node: 'n', gossipAddr: '[::]:7946' })), /^encryptKeys/);
  assert.match(msg(() => resolveAgentConfig({ node: 'n', gossipAddr: '10.1.2.3:7946' })), /^encryptKeys/);
  assert.equal(resolveAgentConfig({ node: 'n', gossipAddr: '127.0.0.1:7946' }).gossipInsecure, false);
  assert.equal(resolveAgentConfig({ node: 'n', gossipAddr: 'localhost:7946' }).encryptKeys.length, 0);
  withFile({ encryptKeys: [KEY] }, (file) => assert.equal(resolveAgentConfig({ config: file, node: 'n', gossipAddr: '0.0.0.0:1' }).encryptKeys.length, 1));
  withFile({ gossip: { insecure: true, probeIntervalMs: 500 } }, (file) => {
    const c = resolveAgentConfig({ config: file, node: 'n', gossipAddr: '0.0.0.0:1' });
    assert.equal(c.gossipInsecure, true);
    assert.equal(c.gossip.probeIntervalMs, 500);
    assert.equal('insecure' in c.gossip, false, 'the flag is not a timing');
  });
  withFile({ gossip: { insecure: 'yes' } }, (file) => assert.match(msg(() => resolveAgentConfig({ config: file, node: 'n' })), /gossip\.insecure: must be true or false/));
});

test('tls: all three files, readable, signed by the CA, naming this node; errors name the field', () => {
  withFile({}, (_f, dir) => {
    createCa({ dir, days: '2', commonName: 'c' });
    createNodeCert({ node: 'n1', dir, ca: join(dir, 'grapevine-ca.pem'), caKey: join(dir, 'grapevine-ca-key.pem'), days: '2' });
    const tls = { caFile: join(dir, 'grapevine-ca.pem'), certFile: join(dir, 'n1.pem'), keyFile: join(dir, 'n1-key.pem') };
    const cfg = (t: unknown) => {
      const file = join(dir, 'tls.json');
      writeFileSync(file, JSON.stringify({ tls: t }));
      return file;
    };
    const ok = resolveAgentConfig({ config: cfg(tls), node: 'n1' });
    assert.match(ok.tls!.cert, /BEGIN CERTIFICATE/);
    assert.match(msg(() => resolveAgentConfig({ config: cfg(tls), node: 'n2' })), /tls\.certFile: .*names n1, not this node \(n2\)/);
    assert.match(msg(() => resolveAgentConfig({ config: cfg({ caFile: tls.caFile }), node: 'n1' })), /tls\.certFile/);
    assert.match(msg(() => resolveAgentConfig({ config: cfg({ ...tls, extra: 1 }), node: 'n1' })), /tls\.extra/);
    assert.match(msg(() => resolveAgentConfig({ config: cfg({ ...tls, keyFile: tls.caFile }), node: 'n1' })), /^tls\.keyFile/);
    assert.match(msg(() => resolveAgentConfig({ config: cfg({ ...tls, keyFile: join(dir, 'grapevine-ca-key.pem') }), node: 'n1' })), /^tls\.keyFile: .*is not the key/);
    assert.match(msg(() => resolveAgentConfig({ config: cfg({ ...tls, caFile: join(dir, 'missing.pem') }), node: 'n1' })), /^tls\.caFile: cannot read/);
    const other = join(dir, 'other');
    mkdirSync(other);
    createCa({ dir: other, days: '2', commonName: 'o' });
    assert.match(msg(() => resolveAgentConfig({ config: cfg({ ...tls, caFile: join(other, 'grapevine-ca.pem') }), node: 'n1' })), /^tls\.certFile: .*not signed by the CA/);
  });
});


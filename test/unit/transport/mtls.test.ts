/**
 * Gossip over mutual TLS: nodes with certificates from the cluster CA link up; a node
 * whose certificate names another node is refused, whichever side it is on, even
 * though its certificate is valid; a dialler without a certificate, or with one from
 * another CA, never gets past TLS. Certificates are made by `grapevine tls` (openssl).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { createCa, createNodeCert } from '../../../src/cli/tls.js';
import type { GossipTls } from '../../../src/transport/secure.js';
import { GOSSIP_PATH, type WsTransportOptions } from '../../../src/transport/ws-transport.js';
import { tempDir } from '../../integration/helpers/daemon.js';
import { Transports, until } from './helpers.js';

const dir = tempDir('grapevine-mtls-');
const transports = new Transports();
let ca = '';
const certs = new Map<string, GossipTls>();

function material(caDir: string, name: string): GossipTls {
  createNodeCert({ node: name, dir: caDir, ca: join(caDir, 'grapevine-ca.pem'), caKey: join(caDir, 'grapevine-ca-key.pem'), days: '2' });
  return { ca: readFileSync(join(caDir, 'grapevine-ca.pem'), 'utf8'), cert: readFileSync(join(caDir, `${name}.pem`), 'utf8'), key: readFileSync(join(caDir, `${name}-key.pem`), 'utf8') };
}

before(() => {
  createCa({ dir, days: '2', commonName: 'test CA' });
  ca = readFileSync(join(dir, 'grapevine-ca.pem'), 'utf8');
  for (const n of ['m1', 'm2', 'm3']) certs.set(n, material(dir, n));
});

after(async () => {
  await transports.closeAll();
  rmSync(dir, { recursive: true, force: true });
});

const node = (name: string, tls: GossipTls, extra: Partial<WsTransportOptions> = {}) => transports.node(name, { tls, ...extra });

test('nodes with certificates from the cluster CA link up and exchange messages', async () => {
  const a = await node('m1', certs.get('m1')!);
  const b = await node('m2', certs.get('m2')!);
  const got: string[] = [];
  b.on('message', (from) => got.push(from));
  assert.equal(await a.connect(b.address), 'm2');
  a.send('m2', { t: 'm.upd' } as never);
  await until(() => got.includes('m1'), 'a message from m1 on m2');
});

test('an impostor with a valid certificate for another name is refused when it dials', async () => {
  const a = await node('m1', certs.get('m1')!);
  // m3's certificate is genuine, but this node says it is m2.
  const impostor = await node('m2', certs.get('m3')!);
  await assert.rejects(impostor.connect(a.address), /4001/);
  assert.equal(a.stats.get('handshake_refused', 'certificate'), 1);
  assert.deepEqual(a.connectedPeers(), []);
});

test('an impostor with a valid certificate for another name is refused when it is dialled', async () => {
  const a = await node('m1', certs.get('m1')!);
  const impostor = await node('m2', certs.get('m3')!);
  await assert.rejects(a.connect(impostor.address));
  assert.equal(a.stats.get('handshake_refused', 'certificate'), 1);
  assert.deepEqual(a.connectedPeers(), []);
});

test('a dialler without a certificate, or with one from another CA, is refused by TLS', async () => {
  const a = await node('m1', certs.get('m1')!);
  const noCert = new WebSocket(`wss://${a.address}${GOSSIP_PATH}`, { ca, checkServerIdentity: (() => undefined) as never });
  const failed = await new Promise<string>((r) => {
    noCert.once('open', () => r('open'));
    noCert.once('error', (e) => r(`error: ${e.message}`));
  });
  assert.match(failed, /^error/);
  const otherDir = tempDir('grapevine-mtls-other-');
  try {
    createCa({ dir: otherDir, days: '2', commonName: 'other CA' });
    const other = material(otherDir, 'm2');
    const stranger = await node('m2', other);
    await assert.rejects(stranger.connect(a.address));
    assert.deepEqual(a.connectedPeers(), []);
    await until(() => (a.stats.get('handshake_refused', 'tls') ?? 0) >= 2, 'two TLS refusals counted');
  } finally {
    rmSync(otherDir, { recursive: true, force: true });
  }
});

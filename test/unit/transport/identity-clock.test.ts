/**
 * The transport's side of clocks and identity: links open whatever the peers' clocks
 * say, each link measures its peer's clock offset (at the handshake and again later),
 * a replayed hello never becomes a link, and a hello that claims a live member's name
 * from another address is refused with a reason the claimant reads.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { WireCodec } from '../../../src/transport/codec.js';
import { makeConfirm, makeHello } from '../../../src/transport/handshake.js';
import type { WelcomeFrame } from '../../../src/transport/frames.js';
import { GOSSIP_PATH, type WsTransportOptions } from '../../../src/transport/ws-transport.js';
import { Transports, until } from './helpers.js';

const HOUR_MS = 3600_000;
const transports = new Transports();
after(() => transports.closeAll());
const node = (name: string, extra: Partial<WsTransportOptions> = {}) => transports.node(name, extra);

function near(actual: number | undefined, expected: number, what: string): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 2_000, `${what}: ${actual} is not within 2 s of ${expected}`);
}

test('peers an hour apart connect, and each side measures the other clock at the handshake', async () => {
  const a = await node('ca', { wallMs: () => Date.now() + HOUR_MS });
  const b = await node('cb', { wallMs: () => Date.now() - HOUR_MS });
  assert.equal(await a.connect(b.address), 'cb');
  await until(() => b.connectedPeers().includes('ca'), 'link open on b');
  near(a.peerClockOffsets().get('cb'), -2 * HOUR_MS, 'b as seen from a');
  near(b.peerClockOffsets().get('ca'), 2 * HOUR_MS, 'a as seen from b');
});

test('an open link measures its peer again, so a clock stepped at run time is seen', async () => {
  let stepMs = 0;
  const a = await node('sa', { wallMs: () => Date.now() + stepMs, clockSampleIntervalMs: 50 });
  const b = await node('sb', { clockSampleIntervalMs: 50 });
  await a.connect(b.address);
  await until(() => b.peerClockOffsets().has('sa'), 'first measurement');
  near(b.peerClockOffsets().get('sa'), 0, 'before the step');
  stepMs = HOUR_MS;
  await until(() => Math.abs((b.peerClockOffsets().get('sa') ?? 0) - HOUR_MS) < 2_000, 'b sees the step of a');
  await until(() => Math.abs((a.peerClockOffsets().get('sb') ?? 0) + HOUR_MS) < 2_000, 'a sees b an hour behind');
});

test('a replayed hello gets a welcome but never a link: it cannot echo the fresh nonce', async () => {
  const a = await node('ra');
  const codec = new WireCodec(64 * 1024);
  const hello = makeHello({ cluster: 'c', node: 'rx', addr: '127.0.0.1:9', boot: 'b0' }, Date.now() - 5 * HOUR_MS);
  // The genuine session: hello, welcome, confirm. A clock five hours off does not matter.
  const ws1 = new WebSocket(`ws://${a.address}${GOSSIP_PATH}`);
  await new Promise((r) => ws1.once('open', r));
  ws1.send(codec.encode(hello));
  const w1 = codec.decode(await new Promise<Buffer>((r) => ws1.once('message', (d) => r(d as Buffer)))) as WelcomeFrame;
  const confirm = codec.encode(makeConfirm(w1, Date.now()));
  ws1.send(confirm);
  await until(() => a.connectedPeers().includes('rx'), 'genuine session open');
  ws1.terminate();
  await until(() => !a.connectedPeers().includes('rx'), 'genuine session closed');
  // The replay: the same hello (nonce remembered: refused at once) ...
  const ws2 = new WebSocket(`ws://${a.address}${GOSSIP_PATH}`);
  const closed2 = new Promise<number>((r) => ws2.on('close', (c) => r(c)));
  await new Promise((r) => ws2.once('open', r));
  ws2.send(codec.encode(hello));
  assert.equal(await closed2, 4001);
  assert.equal(a.stats.get('handshake_refused', 'replay'), 1);
  // ... and a hello the cache forgot, replayed with the old confirm: a fresh welcome nonce, so no link.
  const forgotten = makeHello({ cluster: 'c', node: 'rx', addr: '127.0.0.1:9', boot: 'b0' }, 0);
  const ws3 = new WebSocket(`ws://${a.address}${GOSSIP_PATH}`);
  const closed3 = new Promise<number>((r) => ws3.on('close', (c) => r(c)));
  await new Promise((r) => ws3.once('open', r));
  ws3.send(codec.encode(forgotten));
  await new Promise((r) => ws3.once('message', r));
  ws3.send(confirm);
  assert.equal(await closed3, 4001);
  assert.equal(a.stats.get('handshake_refused', 'bad_confirm'), 1);
  assert.ok(!a.connectedPeers().includes('rx'));
});

test('a hello claiming a live member\'s name from another address is refused; the claimant learns both addresses', async () => {
  const seed = await node('seed');
  const real = await node('twin');
  assert.equal(await real.connect(seed.address), 'seed');
  await until(() => seed.connectedPeers().includes('twin'), 'real member linked');
  const impostor = await node('twin');
  const refused: { detail: string; addr: string }[] = [];
  impostor.on('identityRefused', (detail, addr) => refused.push({ detail, addr }));
  await assert.rejects(impostor.connect(seed.address));
  await until(() => refused.length === 1, 'identity refusal reported to the impostor');
  assert.match(refused[0]!.detail, new RegExp(`twin is live at ${real.address}.*not ${impostor.address}`));
  assert.equal(refused[0]!.addr, seed.address);
  assert.equal(seed.stats.get('handshake_refused', 'identity'), 1);
  assert.deepEqual(seed.connectedPeers(), ['twin']);
  // The real member's link is the one that stayed: it still delivers.
  const got: unknown[] = [];
  seed.on('message', (from, m) => from === 'twin' && got.push(m));
  real.send('seed', { t: 'm.ping', still: 'me' });
  await until(() => got.length === 1, 'the real member still talks to the seed');
});

test('a restarted member (new boot, old process gone) rejoins under its name', async () => {
  const seed = await node('seed2');
  const first = await node('phoenix');
  const port = Number(first.address.split(':')[1]);
  await first.connect(seed.address);
  await until(() => seed.connectedPeers().includes('phoenix'), 'first boot linked');
  await first.close();
  const second = await node('phoenix', { gossipAddr: `127.0.0.1:${port}` });
  assert.notEqual(second.bootId, first.bootId);
  assert.equal(await second.connect(seed.address), 'seed2');
  assert.equal(seed.stats.get('handshake_refused', 'identity'), 0);
});

test('a member that moved to a new address while its old link hangs silent is let in after the check times out', async () => {
  const seed = await node('seed3', { identityCheckTimeoutMs: 200 });
  const old = await node('mover');
  await old.connect(seed.address);
  await until(() => seed.connectedPeers().includes('mover'), 'old link');
  // Freeze the old process's side: it no longer answers pings.
  const link = (seed as unknown as { peers: Map<string, { link: { ws: WebSocket } }> }).peers.get('mover')!.link;
  (link.ws as unknown as { _receiver: { removeAllListeners(e: string): void } })._receiver.removeAllListeners('ping');
  const oldSocket = (old as unknown as { peers: Map<string, { link: { ws: { _socket: { pause(): void } } } }> }).peers.get('seed3')!.link.ws._socket;
  oldSocket.pause();
  const moved = await node('mover');
  assert.equal(await moved.connect(seed.address), 'seed3');
  assert.equal(seed.stats.get('handshake_refused', 'identity'), 0);
});

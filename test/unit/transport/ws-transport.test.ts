import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import type { WireMsg } from '../../../src/transport/frames.js';
import { WireCodec } from '../../../src/transport/codec.js';
import { WIRE_MAGIC, type WelcomeFrame } from '../../../src/transport/frames.js';
import { makeConfirm, makeHello } from '../../../src/transport/handshake.js';
import { Keyring } from '../../../src/transport/keyring.js';
import { GOSSIP_PATH, type WsTransport, type WsTransportOptions } from '../../../src/transport/ws-transport.js';
import { Transports, until } from './helpers.js';

const transports = new Transports();
after(() => transports.closeAll());
const node = (name: string, extra: Partial<WsTransportOptions> = {}) => transports.node(name, extra);

function inbox(t: WsTransport): { from: string; msg: WireMsg }[] {
  const got: { from: string; msg: WireMsg }[] = [];
  t.on('message', (from, msg) => got.push({ from, msg }));
  return got;
}

/** rawSocket opens a bare ws client to a transport's gossip port. */
async function rawSocket(t: WsTransport): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  const ws = new WebSocket(`ws://${t.address}${GOSSIP_PATH}`);
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  ws.on('error', () => {});
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  return { ws, closed };
}

test('messages flow both ways over one reused link, in order', async () => {
  const a = await node('a');
  const b = await node('b', { resolveAddr: (n) => (n === 'a' ? a.address : undefined) });
  const atB = inbox(b);
  const atA = inbox(a);
  assert.equal(await a.connect(b.address), 'b');
  for (let i = 0; i < 200; i++) a.send('b', { t: 'r.push', i });
  await until(() => atB.length === 200, '200 messages at b');
  assert.deepEqual(atB.map((m) => m.msg.i), [...Array(200).keys()]);
  assert.equal(atB[0]!.from, 'a');
  b.send('a', { t: 'm.ack', seq: 1 });
  await until(() => atA.length === 1, 'reply at a');
  assert.equal(a.stats.get('dials'), 1);
  assert.equal(b.stats.get('dials'), 0, 'b answers over the link a opened');
  assert.deepEqual(a.connectedPeers(), ['b']);
});

test('simultaneous dials leave exactly one link, the same one on both sides', async () => {
  const a = await node('a1');
  const b = await node('b1');
  const atA = inbox(a);
  const atB = inbox(b);
  await Promise.all([a.connect(b.address), b.connect(a.address)]);
  for (let i = 0; i < 20; i++) {
    a.send('b1', { t: 'm.ping', i });
    b.send('a1', { t: 'm.ping', i });
  }
  await until(() => atA.length === 20 && atB.length === 20, 'pings both ways');
  await until(() => a.stats.get('links_opened') - a.stats.get('links_closed') === 1 && b.stats.get('links_opened') - b.stats.get('links_closed') === 1, 'one live link each');
  // The kept link survives: more traffic flows without new dials.
  const dials = a.stats.get('dials') + b.stats.get('dials');
  a.send('b1', { t: 'm.ping', i: 99 });
  await until(() => atB.length === 21, 'traffic after the tie-break');
  assert.equal(a.stats.get('dials') + b.stats.get('dials'), dials);
});

test('a closed link is reported (peerDown) and a send redials once the peer is back', async () => {
  const a = await node('a2');
  let b = await node('b2');
  const port = Number(b.address.split(':')[1]);
  const downs: string[] = [];
  a.on('peerDown', (n) => downs.push(n));
  await a.connect(b.address);
  await b.close();
  await until(() => downs.includes('b2'), 'peerDown for b2');
  a.send('b2', { t: 'm.ping' }); // dial fails: b2 is down
  await until(() => a.stats.get('dial_failures') >= 1, 'a failed dial');
  b = await node('b2', { gossipAddr: `127.0.0.1:${port}` });
  const atB = inbox(b);
  a.send('b2', { t: 'r.push', after: 'restart' });
  await until(() => atB.some((m) => m.msg.after === 'restart'), 'message after restart', 8_000);
});

test('a peer with the wrong key is refused at the handshake and counted; the right key connects', async () => {
  const k1 = randomBytes(32).toString('base64');
  const a = await node('a3', { encryptKeys: [k1] });
  const bad = await node('b3', { encryptKeys: [randomBytes(32).toString('base64')] });
  const plain = await node('p3');
  await assert.rejects(bad.connect(a.address));
  await assert.rejects(plain.connect(a.address));
  await until(() => a.stats.get('handshake_refused', 'decrypt') === 1 && a.stats.get('handshake_refused', 'unencrypted') === 1, 'refusals counted');
  assert.equal(bad.stats.get('handshake_refused', 'by_peer'), 1, 'the refused side counts it too');
  // Rotation step 1: a node that already holds the next key as a secondary still talks to a.
  const good = await node('g3', { encryptKeys: [k1, randomBytes(32).toString('base64')] });
  const atA = inbox(a);
  assert.equal(await good.connect(a.address), 'a3');
  good.send('a3', { t: 'm.ping' });
  await until(() => atA.length === 1, 'sealed message delivered');
  assert.deepEqual(a.connectedPeers(), ['g3']);
});

test('a replayed hello is refused', async () => {
  const a = await node('a4');
  const codec = new WireCodec(64 * 1024);
  const hello = codec.encode(makeHello({ cluster: 'c', node: 'x4', addr: '127.0.0.1:9', boot: 'b0' }, Date.now()));
  const first = await rawSocket(a);
  first.ws.send(hello);
  const welcome = await new Promise<Buffer>((r) => first.ws.once('message', (d) => r(d as Buffer)));
  assert.equal(codec.decode(welcome).k, 'welcome');
  const second = await rawSocket(a);
  second.ws.send(hello);
  assert.equal(await second.closed, 4001);
  assert.equal(a.stats.get('handshake_refused', 'replay'), 1);
  first.ws.terminate();
});

test('garbage, oversized, unknown-type and wrong-cluster input closes the connection; the transport keeps serving', async () => {
  const a = await node('a5');
  const codec = new WireCodec(1 << 20);
  const cases: [string, (ws: WebSocket) => void][] = [
    ['text', (ws) => ws.send('hello?')],
    ['bad_magic', (ws) => ws.send(Buffer.concat([Buffer.from([0x00]), randomBytes(99)]))],
    ['oversize', (ws) => ws.send(Buffer.alloc(100 * 1024, 1))],
    ['unknown_type', (ws) => ws.send(codec.encode({ k: 'nope' } as never))],
    ['truncated', (ws) => ws.send(codec.encode(makeHello({ cluster: 'c', node: 'x', addr: 'h:1', boot: 'b0' }, Date.now())).subarray(0, 20))],
    ['wrong_cluster', (ws) => ws.send(codec.encode(makeHello({ cluster: 'other', node: 'x', addr: 'h:1', boot: 'b0' }, Date.now())))],
    ['encrypted', (ws) => ws.send(new WireCodec(1 << 20, new Keyring([randomBytes(32)], 'c')).encode({ k: 'msg', m: { t: 'm.ping' } }))],
  ];
  for (const [reason, act] of cases) {
    const s = await rawSocket(a);
    act(s.ws);
    const code = await s.closed;
    assert.ok(code === 4001 || code === 1009, `${reason}: closed with ${code}`);
  }
  const refused = a.stats.get('bad_frames') + a.stats.get('handshake_refused');
  assert.equal(refused, cases.length, JSON.stringify(a.stats.snapshot()));
  assert.equal(a.stats.get('bad_frames', 'oversize') + a.stats.get('handshake_refused', 'oversize'), 1);
  // A frame after the handshake that is unknown also closes an established link.
  const b = await node('b5');
  const atA = inbox(a);
  await b.connect(a.address);
  b.send('a5', { t: 'm.ping' });
  await until(() => atA.length === 1, 'a still serves real peers');
  const s = await rawSocket(a);
  s.ws.send(codec.encode(makeHello({ cluster: 'c', node: 'x5', addr: 'h:1', boot: 'b0' }, Date.now())));
  const welcome = codec.decode(await new Promise<Buffer>((r) => s.ws.once('message', (d) => r(d as Buffer))));
  assert.equal(welcome.k, 'welcome');
  s.ws.send(codec.encode(makeConfirm(welcome as WelcomeFrame, Date.now())));
  s.ws.send(Buffer.from([WIRE_MAGIC, 0, 0x81, 0xa1, 0x6b, 0xa3, 0x66, 0x6f, 0x6f])); // {k:'foo'}
  assert.equal(await s.closed, 4001);
  assert.equal(a.stats.get('bad_frames', 'unknown_type'), 1);
  assert.equal(a.stats.get('handshake_refused', 'unknown_type'), 1);
});

test('a connection that never says hello is closed after the handshake timeout', async () => {
  const a = await node('a6', { handshakeTimeoutMs: 200 });
  const s = await rawSocket(a);
  assert.equal(await s.closed, 4001);
  assert.equal(a.stats.get('handshake_refused', 'timeout'), 1);
});

test('a full send queue to an unreachable peer drops oldest frames and counts them', async () => {
  const a = await node('a7', { queue: { maxFrames: 5, maxBytes: 1 << 20, maxAgeMs: 60_000 }, resolveAddr: () => '127.0.0.1:1' });
  for (let i = 0; i < 12; i++) a.send('ghost', { t: 'm.ping', i });
  assert.equal(a.queuedFrames(), 5);
  assert.equal(a.stats.get('send_dropped', 'queue_full'), 7);
  assert.equal(a.send('ghost', { t: 'r.push', blob: 'x'.repeat(70_000) }), false);
  assert.equal(a.stats.get('send_dropped', 'oversize'), 1);
  a.forget('ghost');
  assert.equal(a.queuedFrames(), 0);
});

test('a message to an address only (a join to a seed) is delivered once the handshake names the peer', async () => {
  const a = await node('a8');
  const b = await node('b8');
  const atB = inbox(b);
  a.send('', { t: 'm.join', n: 'a8' }, b.address);
  a.send('', { t: 'm.join', again: true }, b.address);
  await until(() => atB.length === 2, 'join messages at b');
  assert.equal(atB[0]!.from, 'a8');
  assert.deepEqual(a.connectedPeers(), ['b8']);
  a.send('', { t: 'm.join', third: true }, b.address);
  await until(() => atB.length === 3, 'third message over the same link');
  assert.equal(a.stats.get('dials'), 1);
  // To our own address (a join list shared by all nodes): not dialled at all.
  assert.equal(a.send('', { t: 'm.join' }, a.address), false);
  assert.equal(a.stats.get('dials'), 1);
  // To a dead address: dropped and counted, nothing thrown.
  a.send('', { t: 'm.join' }, '127.0.0.1:1');
  await until(() => a.stats.get('send_dropped', 'dial_failed') === 1, 'dial failure counted');
});

test('peers that connected and went away leave no state behind', async () => {
  const a = await node('a9');
  const codec = new WireCodec(64 * 1024);
  for (let i = 0; i < 20; i++) {
    const s = await rawSocket(a);
    s.ws.send(codec.encode(makeHello({ cluster: 'c', node: `visitor${i}`, addr: 'h:1', boot: 'b' }, Date.now())));
    await new Promise((r) => s.ws.once('message', r));
    s.ws.terminate();
    await s.closed;
  }
  await until(() => a.connectedPeers().length === 0, 'links closed');
  assert.equal((a as unknown as { peers: Map<string, unknown> }).peers.size, 0);
});

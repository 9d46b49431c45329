import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GOSSIP_PRESETS } from '../../../../src/config/gossip.js';
import { GossipEngine } from '../../../../src/core/gossip/engine.js';
import { seededRandom } from '../../../../src/core/gossip/types.js';
import type { Rec } from '../../../../src/core/records.js';
import { Registry } from '../../../../src/core/registry.js';
import { sends } from '../membership/harness.js';

const NOW = 1_700_000_000_000;
const PEERS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'];

/** engine builds `self` knowing 12 peers; direct push is off unless asked, so the epidemic path is what these tests see. */
function engine(registry = new Registry(), fanout = 3, directPushMaxPeers = 0): GossipEngine {
  return new GossipEngine({
    self: { name: 'self', addr: 'addr:self' },
    config: { ...GOSSIP_PRESETS.lan, fanout, directPushMaxPeers },
    random: seededRandom(3),
    registry,
    now: NOW,
    ownSeq: 0,
    seedMembers: PEERS.map((p) => ({ name: p, addr: `addr:${p}` })),
  });
}

function rec(i: number, node = 'self', seq = i): Rec {
  return { key: `i|ns|web|i${i}`, value: { namespace: 'ns', service: 'web', id: `i${i}`, owner: node, attributes: {}, registeredAtMs: 0 }, hlc: NOW * 1024 + i, node, seq };
}

test('a local write is pushed at once (no tick) to max(fanout, retransmit bound) distinct peers', () => {
  const e = engine();
  const out = e.onLocalWrite([rec(1)], NOW);
  const pushes = out.sends.filter((s) => s.msg.t === 'r.push');
  // N = 13: retransmit bound 4 * ceil(log10 14) = 8 > fanout 3.
  assert.equal(pushes.length, 8);
  assert.equal(new Set(pushes.map((p) => p.to)).size, 8);
  assert.ok(pushes.every((p) => p.addr === `addr:${p.to}`));
  assert.equal(engine(new Registry(), 10).onLocalWrite([rec(1)], NOW).sends.filter((s) => s.msg.t === 'r.push').length, 10, 'a bigger fanout wins');
});

test('in a small cluster the writer pushes to every live peer, and receivers do not forward what the writer sent them', () => {
  const e = engine(new Registry(), 3, 64);
  const pushes = e.onLocalWrite([rec(1)], NOW).sends.filter((s) => s.msg.t === 'r.push');
  assert.deepEqual(pushes.map((p) => p.to).sort(), [...PEERS].sort(), 'one push to each of the 12 peers');
  const r = engine(new Registry(), 3, 64);
  r.onMessage('a', { t: 'r.push', r: [rec(1, 'a', 1)] }, NOW);
  assert.equal(r.onApplied({ from: 'a', recs: [rec(1, 'a', 1)] }, [rec(1, 'a', 1)], NOW).sends.filter((s) => s.msg.t === 'r.push').length, 0, 'the writer reached everyone itself');
  const relayed = r.onApplied({ from: 'b', recs: [rec(2, 'a', 2)] }, [rec(2, 'a', 2)], NOW).sends.filter((s) => s.msg.t === 'r.push');
  assert.ok(relayed.length > 0 && relayed.every((s) => s.to !== 'b'), 'news that came through a third node is still pushed on');
  const big = engine(new Registry(), 3, 11);
  assert.equal(big.onLocalWrite([rec(1)], NOW).sends.filter((s) => s.msg.t === 'r.push').length, 8, 'past the limit: the epidemic (max(fanout, retransmit bound))');
});

test('received records are validated; only valid ones are applied; news is forwarded to others, never back', () => {
  const e = engine();
  const out = e.onMessage('a', { t: 'r.push', r: [rec(1, 'a', 1), { key: 'junk' }, { ...rec(2, 'a', 2), hlc: -5 }] }, NOW);
  assert.equal(out.apply.length, 1);
  assert.deepEqual(out.apply[0].recs, [rec(1, 'a', 1)]);
  assert.equal(e.stats().invalidRecords, 2);
  const fwd = e.onApplied({ from: 'a', recs: [rec(1, 'a', 1)] }, [rec(1, 'a', 1)], NOW).sends.filter((s) => s.msg.t === 'r.push');
  assert.ok(fwd.length > 0);
  assert.ok(fwd.every((s) => s.to !== 'a'), 'not sent back to the sender (who is also the origin)');
  assert.equal(e.onApplied({ from: 'b', recs: [] }, [], NOW).sends.length, 0, 'nothing new, nothing forwarded');
  assert.equal(e.onMessage('a', { t: 'r.push', r: 'nope' }, NOW).apply.length, 0);
  assert.equal(e.stats().invalidMessages, 1);
});

test('rumoured records also ride on the next membership messages, a bounded number of times', () => {
  const e = engine();
  e.onLocalWrite([rec(1)], NOW);
  let carried = 0;
  for (let i = 0; i < 40; i++) {
    const out = e.onMessage(PEERS[i % PEERS.length], { t: 'm.ping', s: i, tg: 'self' }, NOW + i);
    if (out.sends.some((s) => s.msg.t === 'm.ack' && Array.isArray(s.msg.rr))) carried++;
  }
  assert.equal(carried, 8, 'carried retransmit-bound times, then dropped');
});

test('a digest is answered with exactly the records the asker lacks, then the responder asks back', () => {
  const reg = new Registry();
  const mine = [rec(1, 'x', 1), rec(2, 'x', 2), rec(3, 'y', 1)];
  for (const r of mine) reg.apply(r);
  const e = engine(reg);
  const out = e.onMessage('a', { t: 'r.dig', x: 9, w: { x: 1 }, p: 1 }, NOW);
  const data = sends(out, 'r.data');
  assert.equal(data.length, 1);
  assert.deepEqual(data[0].msg.r.map((r) => r.key).sort(), [mine[1].key, mine[2].key].sort());
  assert.equal(data[0].msg.f, undefined, 'a delta, not a full snapshot');
  assert.ok(out.sends.some((s) => s.msg.t === 'r.dig' && s.msg.p === 0), 'pull back');
});

test('a peer below our tombstone-collection floor gets a full snapshot, and a snapshot drops what the sender no longer has', () => {
  // Sender side: a tombstone older than the TTL is collected in two steps, raising the floor.
  const reg = new Registry();
  const tomb: Rec = { key: 'i|ns|web|gone', value: null, hlc: 5, node: 'x', seq: 4, deletedAtMs: NOW - 48 * 3600_000 };
  reg.apply(rec(1, 'x', 5));
  reg.apply(tomb);
  const e = engine(reg);
  // Every member has reported a watermark covering the tombstone (x:4), so it may be collected.
  for (const p of PEERS) e.onMessage(p, { t: 'r.dig', x: 1, w: { x: 4 }, p: 0 }, NOW);
  let dropped: string[] = [];
  for (let t = NOW; t <= NOW + 130_000; t = Math.max(t + 1, e.nextWakeMs())) dropped = dropped.concat(e.tick(t).drop);
  assert.deepEqual(dropped, [tomb.key]);
  for (const k of dropped) reg.drop(k);
  assert.equal(e.persistentState().fl.x, 4);
  const snap = sends(e.onMessage('a', { t: 'r.dig', x: 1, w: { x: 3 }, p: 0 }, NOW + 130_000), 'r.data');
  assert.equal(snap[0].msg.f, 1, 'full snapshot for a peer that missed a collected delete');

  // Receiver side: a stale live record the snapshot lacks, covered by the sender's watermark, is dropped.
  const stale = new Registry();
  stale.apply({ ...rec(7, 'x', 2), key: 'i|ns|web|gone', value: { namespace: 'ns', service: 'web', id: 'gone', owner: 'x', attributes: {}, registeredAtMs: 0 } });
  stale.apply(rec(8, 'z', 9));
  const r = engine(stale);
  const out = r.onMessage('a', { t: 'r.data', x: 1, i: 0, n: 1, r: [rec(1, 'x', 5)], f: 1, w: { x: 5, z: 3 }, fl: { x: 4 } }, NOW);
  assert.deepEqual(out.drop, [], 'nothing is dropped before the snapshot is durably merged');
  const done = r.onApplied(out.apply[0], [], NOW);
  assert.deepEqual(done.drop, ['i|ns|web|gone'], 'the stale record goes; z:9 is newer than the sender knows and stays');
  assert.equal(r.persistentState().fl.x, 4, 'floors are adopted');
});

test('watermarks move only once a merge is durable; an exchange whose merge failed adopts nothing, and is fetched again', () => {
  const reg = new Registry();
  const e = engine(reg);
  const digestW = () => e.replication.wm.toObject();
  const push = e.onMessage('a', { t: 'r.push', r: [rec(1, 'a', 1)] }, NOW);
  assert.equal(digestW().a, undefined, 'not covered while the merge is in flight');
  e.onApplyFailed(push.apply[0], NOW);
  assert.equal(digestW().a, undefined, 'not covered after it failed');
  // An exchange in two chunks: the second chunk's merge fails, so the peer's watermarks are not adopted.
  const c1 = e.onMessage('b', { t: 'r.data', x: 9, i: 0, n: 2, r: [rec(2, 'b', 1)] }, NOW);
  const c2 = e.onMessage('b', { t: 'r.data', x: 9, i: 1, n: 2, r: [rec(3, 'b', 2)], w: { b: 7, a: 1 } }, NOW);
  e.onApplied(c1.apply[0], [], NOW);
  reg.apply(rec(2, 'b', 1)); // as the runtime's durable merge did
  e.onApplyFailed(c2.apply[0], NOW);
  assert.equal(digestW().b, 1, 'only the durable chunk counts');
  assert.equal(digestW().a, undefined);
  // The same exchange again, both merges durable: now the watermarks are adopted.
  const d1 = e.onMessage('b', { t: 'r.data', x: 10, i: 0, n: 2, r: [rec(2, 'b', 1)] }, NOW);
  const d2 = e.onMessage('b', { t: 'r.data', x: 10, i: 1, n: 2, r: [rec(3, 'b', 2)], w: { b: 7, a: 1 } }, NOW);
  e.onApplied(d2.apply[0], [], NOW);
  assert.deepEqual([digestW().b, digestW().a], [2, undefined], 'its own records count; the watermarks of the peer wait for the first chunk');
  e.onApplied(d1.apply[0], [], NOW);
  assert.deepEqual([digestW().b, digestW().a], [7, 1]);
});

test('a tombstone past the TTL is collected only once every member, dead ones included, has reported a watermark covering it', () => {
  const reg = new Registry();
  const tomb: Rec = { key: 'i|ns|web|gone', value: null, hlc: 5, node: 'x', seq: 4, deletedAtMs: NOW - 48 * 3600_000 };
  reg.apply(tomb);
  const e = engine(reg);
  const runFor = (from: number, ms: number): string[] => {
    let dropped: string[] = [];
    for (let t = from; t <= from + ms; t = Math.max(t + 1, e.nextWakeMs())) dropped = dropped.concat(e.tick(t).drop);
    return dropped;
  };
  for (const p of PEERS.slice(1)) e.onMessage(p, { t: 'r.dig', x: 1, w: { x: 4 }, p: 0 }, NOW);
  e.onMessage('a', { t: 'r.dig', x: 1, w: { x: 3 }, p: 0 }, NOW);
  assert.deepEqual(runFor(NOW, 130_000), [], 'a has not seen the delete: kept');
  assert.equal(e.persistentState().fl.x, undefined, 'no floor raised');
  e.onMessage('a', { t: 'r.data', x: 7, i: 0, n: 1, r: [], w: { x: 4 } }, NOW + 130_000);
  assert.deepEqual(runFor(NOW + 130_001, 130_000), [tomb.key], 'collected once a reported it holds it');
});

test('records we held and whose delete we collected are refused; a peer below our floors is quarantined outside a snapshot', () => {
  const reg = new Registry();
  reg.apply(rec(1, 'x', 1));
  const e = engine(reg);
  // We hold x:1..3 (watermark), and key i2 is absent: its delete was collected.
  e.onMessage('b', { t: 'r.data', x: 1, i: 0, n: 1, r: [], w: { x: 3 } }, NOW);
  const back = e.onMessage('a', { t: 'r.push', r: [rec(2, 'x', 2), rec(5, 'x', 5)] }, NOW);
  assert.deepEqual(back.apply[0].recs.map((r) => r.key), [rec(5).key], 'x:2 is stale; x:5 is news');
  assert.equal(e.stats().staleRecords, 1);
  // A peer whose last report lies below our floors sends nothing we take, except in a full snapshot.
  e.replication.floors.set('x', 3);
  e.onMessage('c', { t: 'r.dig', x: 2, w: { x: 1 }, p: 0 }, NOW);
  assert.equal(e.onMessage('c', { t: 'r.push', r: [rec(6, 'c', 6)] }, NOW).apply.length, 0, 'quarantined');
  assert.equal(e.stats().quarantinedRecords, 1);
  const snap = e.onMessage('c', { t: 'r.data', x: 3, i: 0, n: 1, f: 1, r: [rec(6, 'c', 6), rec(2, 'x', 2)], w: { x: 1, c: 6 } }, NOW);
  assert.deepEqual(snap.apply[0].recs.map((r) => r.key), [rec(6).key], 'a snapshot is taken, minus the stale record');
  // Once it reports watermarks covering our floors, it is a peer like any other.
  e.onMessage('c', { t: 'r.dig', x: 4, w: { x: 3, c: 6 }, p: 0 }, NOW);
  assert.equal(e.onMessage('c', { t: 'r.push', r: [rec(7, 'c', 7)] }, NOW).apply.length, 1);
});

test('the merges of a full state transfer are marked, the last one even when it holds no record, so the runtime can log its start and end', () => {
  const e = engine();
  const c1 = e.onMessage('b', { t: 'r.data', x: 5, i: 0, n: 2, r: [rec(2, 'b', 1)], f: 1 }, NOW);
  const c2 = e.onMessage('b', { t: 'r.data', x: 5, i: 1, n: 2, r: [], f: 1, w: { b: 1 }, fl: {} }, NOW);
  assert.equal(c1.apply[0].fullSync, 'chunk');
  assert.equal(c2.apply.length, 1, 'an empty last chunk still yields a merge to report');
  assert.equal(c2.apply[0].fullSync, 'last');
  const plain = e.onMessage('b', { t: 'r.data', x: 6, i: 0, n: 1, r: [], w: { b: 1 } }, NOW);
  assert.equal(plain.apply.length, 0, 'an ordinary empty exchange merges nothing');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GossipEngine } from '../../../../src/core/gossip/engine.js';
import type { GossipOutput } from '../../../../src/core/gossip/types.js';
import { engineWith, sends, tickUntil } from './harness.js';

const PEERS = ['a', 'b', 'c', 'd'];

/**
 * runProbesFailing drives an engine in time; every ping is acked except those to
 * `silent`, and relays never answer for it. It returns all outputs with their time.
 */
function runProbesFailing(e: GossipEngine, silent: string, untilMs: number, atMs = 0): [number, GossipOutput][] {
  const outs: [number, GossipOutput][] = [];
  let now = atMs;
  for (let i = 0; i < 10_000; i++) {
    const next = Math.max(now, e.nextWakeMs());
    if (next > untilMs) break;
    now = next;
    const queue: GossipOutput[] = [e.tick(now)];
    while (queue.length > 0) {
      const out = queue.shift()!;
      outs.push([now, out]);
      for (const s of sends(out, 'm.ping')) if (s.to !== silent) queue.push(e.onMessage(s.to, { t: 'm.ack', s: s.msg.s }, now));
    }
  }
  return outs;
}

function firstStatus(outs: [number, GossipOutput][], name: string, status: string): number | undefined {
  for (const [t, o] of outs) if (o.status.some((s) => s.name === name && s.status === status)) return t;
  return undefined;
}

test('a silent member is probed, probed indirectly through k peers, suspected, then declared dead at the max timeout', () => {
  const e = engineWith(PEERS);
  const outs = runProbesFailing(e, 'c', 20_000);
  const firstPing = outs.find(([, o]) => sends(o, 'm.ping').some((s) => s.to === 'c'))!;
  const t0 = firstPing[0];
  const preqs = outs.flatMap(([t, o]) => sends(o, 'm.preq').map((s) => [t, s] as const)).filter(([, s]) => s.msg.tg === 'c');
  assert.equal(preqs[0][0], t0 + 100, 'indirect probes after the 100 ms probe timeout');
  assert.deepEqual(new Set(preqs.filter(([t]) => t === preqs[0][0]).map(([, s]) => s.to)), new Set(['a', 'b', 'd']), 'k = 3 relays, never the target');
  const suspectAt = firstStatus(outs, 'c', 'suspect')!;
  assert.equal(suspectAt, t0 + 200, 'suspected at the end of the probe interval');
  // N = 5 -> min = 4 * 1 * 200 = 800 ms, max = 6 * 800 = 4800 ms, k = 4 - 2 = 2 confirmations expected.
  assert.equal(firstStatus(outs, 'c', 'dead'), suspectAt + 4800);
  for (const p of ['a', 'b', 'd']) assert.equal(firstStatus(outs, p, 'suspect'), undefined, `${p} answered and stays alive`);
});

test('Lifeguard: independent confirmations shrink the suspicion timeout (table)', () => {
  // confirmations -> time from suspicion to death: 4800 - 4000 * log(c + 1) / log(3), at least 800.
  const table: [number, number][] = [
    [0, 4800],
    [1, 2276],
    [2, 800],
  ];
  for (const [confirmations, expected] of table) {
    const e = engineWith(PEERS);
    let suspectAt: number | undefined;
    let now = 0;
    while (suspectAt === undefined && now < 5_000) {
      suspectAt = firstStatus(runProbesFailing(e, 'c', now + 50, now), 'c', 'suspect');
      now += 50;
    }
    assert.ok(suspectAt !== undefined, 'c got suspected');
    for (let i = 0; i < confirmations; i++) {
      const from = ['a', 'b'][i];
      e.onMessage(from, { t: 'm.upd', u: [['c', 'addr:c', 1, 0, from]] }, now);
    }
    const outs = runProbesFailing(e, 'c', 20_000, now);
    assert.equal(firstStatus(outs, 'c', 'dead'), suspectAt + expected, `${confirmations} confirmations`);
  }
});

test('a suspicion about ourselves is refuted with a higher incarnation, sent straight to the accuser; stale ones are ignored', () => {
  const e = engineWith(PEERS);
  const out = e.onMessage('a', { t: 'm.upd', u: [['self', 'addr:self', 1, 0, 'b']] }, 10);
  assert.equal(e.membership.inc, 1);
  const direct = sends(out, 'm.upd').find((s) => s.to === 'b');
  assert.ok(direct, 'the accuser hears the refutation directly');
  assert.deepEqual(direct.msg.u![0], ['self', 'addr:self', 0, 1]);
  assert.equal(out.persist, true, 'the new incarnation is persisted');
  e.onMessage('a', { t: 'm.upd', u: [['self', 'addr:self', 2, 0, 'c']] }, 20);
  assert.equal(e.membership.inc, 1, 'an accusation at an older incarnation changes nothing');
  e.onMessage('a', { t: 'm.upd', u: [['self', 'addr:self', 2, 1, 'c']] }, 30);
  assert.equal(e.membership.inc, 2, 'a dead claim at our incarnation is refuted too');
});

test('incarnation rules: alive needs a higher incarnation to clear a suspicion; dead needs at least the same', () => {
  const e = engineWith(PEERS);
  e.onMessage('a', { t: 'm.upd', u: [['b', 'addr:b', 1, 3, 'a']] }, 0);
  assert.equal(e.membership.list.get('b')!.status, 'suspect');
  e.onMessage('a', { t: 'm.upd', u: [['b', 'addr:b', 0, 3]] }, 1);
  assert.equal(e.membership.list.get('b')!.status, 'suspect', 'same incarnation does not refute');
  const out = e.onMessage('a', { t: 'm.upd', u: [['b', 'addr:b', 0, 4]] }, 2);
  assert.equal(e.membership.list.get('b')!.status, 'alive');
  assert.deepEqual(out.status, [{ name: 'b', status: 'alive' }]);
  e.onMessage('a', { t: 'm.upd', u: [['b', 'addr:b', 2, 3, 'a']] }, 3);
  assert.equal(e.membership.list.get('b')!.status, 'alive', 'an older dead claim is ignored');
  e.onMessage('a', { t: 'm.upd', u: [['b', 'addr:b', 2, 4, 'a']] }, 4);
  assert.equal(e.membership.list.get('b')!.status, 'dead');
});

test('a dead member in a synced view is only suspected, as in memberlist mergeRemoteState', () => {
  const e = engineWith(PEERS);
  e.onMessage('a', { t: 'm.sync', ms: [['c', 'addr:c', 2, 0]], d: 1 }, 0);
  assert.equal(e.membership.list.get('c')!.status, 'suspect');
});

test('an acked ping-req saves the target; a relay forwards acks and nacks on timeout', () => {
  const e = engineWith(PEERS);
  let now = 0;
  const first = e.tick(now);
  const ping = sends(first, 'm.ping')[0];
  now = e.nextWakeMs();
  const out = e.tick(now);
  const preq = sends(out, 'm.preq')[0];
  assert.ok(preq, 'went indirect');
  e.onMessage(preq.to, { t: 'm.ack', s: preq.msg.s }, now + 5);
  const later = [e.tick(250), e.tick(450)];
  assert.ok(!later.some((o) => o.status.some((s) => s.name === ping.to)), 'no suspicion after an indirect ack');

  // As a relay: ping the target for the requester and pass its ack back.
  const r = engineWith(PEERS);
  const o1 = r.onMessage('a', { t: 'm.preq', s: 77, tg: 'b', ta: 'addr:b' }, 1000);
  const relayed = sends(o1, 'm.ping')[0];
  assert.equal(relayed.to, 'b');
  const o2 = r.onMessage('b', { t: 'm.ack', s: relayed.msg.s }, 1005);
  assert.deepEqual(sends(o2, 'm.ack').map((s) => [s.to, s.msg.s]), [['a', 77]]);
  // Without an ack, a nack goes back at 80% of the probe timeout (Lifeguard §4.1).
  const o3 = r.onMessage('a', { t: 'm.preq', s: 78, tg: 'c', ta: 'addr:c' }, 2000);
  assert.ok(sends(o3, 'm.ping').length === 1);
  const o4 = r.tick(2080);
  assert.deepEqual(sends(o4, 'm.nack').map((s) => [s.to, s.msg.s]), [['a', 78]]);
});

test('missed nacks raise our own health score, which stretches the next probe (Lifeguard §4.1)', () => {
  const e = engineWith(PEERS);
  let now = 0;
  while (e.membership.list.get('c')!.status === 'alive' && now < 5_000) {
    runProbesFailing(e, 'c', now + 10, now);
    now += 10;
  }
  assert.equal(e.membership.awareness.health, 3, 'three relays that never nacked count against us');
  // Stretched: the next probe interval is 200 ms * (score + 1).
  const pings = runProbesFailing(e, 'none', now + 20_000, now).flatMap(([t, o]) => sends(o, 'm.ping').map(() => t));
  assert.ok(pings[1] - pings[0] >= 800, `probes stretched: ${pings.slice(0, 3)}`);
  assert.equal(e.membership.awareness.health, 0, 'answered probes heal the score');
});

test('a closed connection triggers an immediate probe of that peer', () => {
  const e = engineWith(PEERS);
  e.tick(0);
  const out = e.peerDisconnected('d', 5);
  const pings = sends(out, 'm.ping');
  if (pings.length === 0) {
    // d was the round-robin target already being probed: no second probe.
    assert.equal(sends(e.tick(0), 'm.ping').length, 0);
  } else assert.equal(pings[0].to, 'd');
  const again = e.peerDisconnected('d', 6);
  assert.equal(sends(again, 'm.ping').length, 0, 'one probe at a time per peer');
});

test('a join is answered with our view, and the joiner becomes an alive member', () => {
  const e = engineWith(PEERS);
  const out = e.onMessage('new', { t: 'm.join', n: 'new', a: 'addr:new', i: 3, ms: [] }, 0);
  assert.deepEqual(out.status, [{ name: 'new', status: 'alive' }]);
  const sync = sends(out, 'm.sync');
  assert.equal(sync.length, 1);
  assert.equal(sync[0].addr, 'addr:new');
  assert.equal(sync[0].msg.ms.length, 6, 'self, four peers and the joiner');
  assert.equal(sync[0].msg.j, 1);
});

test('a graceful leave goes straight to peers as a left update, and the engine goes quiet', () => {
  const e = engineWith(PEERS);
  const out = e.leave(0);
  const upd = sends(out, 'm.upd');
  assert.ok(upd.length >= 3);
  assert.deepEqual(upd[0].msg.u![0], ['self', 'addr:self', 3, 0]);
  assert.equal(e.nextWakeMs(), Infinity);
  assert.equal(e.members()[0].status, 'left');
  const o = engineWith(PEERS);
  o.onMessage('a', { t: 'm.upd', u: [['b', 'addr:b', 3, 0]] }, 0);
  assert.equal(o.membership.list.get('b')!.status, 'left');
});

test('dead owners are reaped after reapAfterMs, dead members dropped after deadMemberReapMs, and a return undoes both', () => {
  const e = engineWith(PEERS, { reapAfterMs: 1_000, deadMemberReapMs: 2_000 });
  const o = e.onMessage('a', { t: 'm.upd', u: [['b', 'addr:b', 2, 0, 'a']] }, 0);
  assert.deepEqual(o.status, [{ name: 'b', status: 'dead' }]);
  const reaps = runProbesFailing(e, 'none', 3_000).flatMap(([t, out]) => out.reap.map((r) => [t, r] as const));
  assert.equal(reaps.length, 1);
  assert.ok(reaps[0][0] >= 1_000 && reaps[0][0] < 2_000, `reaped at ${reaps[0][0]}`);
  assert.deepEqual(reaps[0][1], { name: 'b', reaped: true });
  assert.equal(e.membership.list.get('b'), undefined, 'dead member dropped from the list');
  assert.equal(e.persistentState().down[0][0], 'b', 'the down owner is still remembered');
  const back = e.onMessage('b', { t: 'm.join', n: 'b', a: 'addr:b', i: 1, ms: [] }, 3_500);
  assert.deepEqual(back.reap, [{ name: 'b', reaped: false }]);
  assert.deepEqual(back.status, [{ name: 'b', status: 'alive' }]);
});

test('malformed membership messages are counted and change nothing', () => {
  const e = engineWith(PEERS);
  const bad = [
    { t: 'm.ping' },
    { t: 'm.ping', s: -1 },
    { t: 'm.upd', u: [['x']] },
    { t: 'm.upd', u: [['x', 'y', 9, 0]] },
    { t: 'm.join', n: 5 },
    { t: 'm.sync', ms: 'nope' },
    { t: 'm.preq', s: 1 },
    { t: 'm.what', s: 1 },
  ];
  for (const m of bad) e.onMessage('a', m, 0);
  assert.equal(e.stats().invalidMessages, bad.length - 1);
  assert.equal(e.stats().unknownMessages, 1, 'm.what is a type this build does not know');
  assert.equal(e.members().length, 5);
  assert.ok(e.members().every((m) => m.status === 'alive'));
});

test('a node starved of CPU reads the ack it already received before going indirect, and counts itself slow (Lifeguard §4.1)', () => {
  const e = engineWith(PEERS);
  // Run until the first ping goes out, then stay away 500 ms (a stalled event loop).
  let now = 0;
  let ping: ReturnType<typeof sends<'m.ping'>>[number] | undefined;
  for (let i = 0; i < 100 && !ping; i++) {
    now = Math.max(now, e.nextWakeMs());
    ping = sends(e.tick(now), 'm.ping')[0];
  }
  assert.ok(ping, 'a probe went out');
  const late = e.tick(now + 500);
  assert.equal(sends(late, 'm.preq').length, 0, 'no indirect probe from a late tick');
  assert.equal(e.membership.awareness.health, 1, 'the late tick counts against our own health');
  assert.equal(e.stats().lateTicks, 1);
  // The ack that was waiting in the socket is read next: the target stays alive.
  e.onMessage(ping.to, { t: 'm.ack', s: ping.msg.s }, now + 501);
  assert.equal(e.membership.list.get(ping.to)!.status, 'alive');
  assert.equal(e.stats().suspicionsRaised, 0);
});

test('a frozen target is still suspected after the one grace a late tick gives', () => {
  const e = engineWith(PEERS);
  let now = 0;
  let ping: ReturnType<typeof sends<'m.ping'>>[number] | undefined;
  for (let i = 0; i < 100 && !ping; i++) {
    now = Math.max(now, e.nextWakeMs());
    ping = sends(e.tick(now), 'm.ping')[0];
  }
  e.tick(now + 500); // late: grace
  let preqs = 0;
  for (let i = 0; i < 100 && e.membership.list.get(ping!.to)!.status === 'alive'; i++) {
    now = Math.max(now + 500, e.nextWakeMs());
    preqs += sends(e.tick(now), 'm.preq').length;
  }
  assert.ok(preqs > 0, 'indirect probes once the grace ran out');
  assert.equal(e.membership.list.get(ping!.to)!.status, 'suspect');
});

test('small cluster: the suspect alone hears a suspicion; the accuser sends its verdict, and a refutation goes, to every member at once', () => {
  const e = engineWith(PEERS);
  const outs = runProbesFailing(e, 'c', 20_000);
  const suspectAt = firstStatus(outs, 'c', 'suspect')!;
  const atSuspect = outs.find(([t]) => t === suspectAt)![1];
  assert.deepEqual(sends(atSuspect, 'm.upd').map((s) => s.to), ['c'], 'the suspicion goes to the suspect only (it spreads by piggybacking)');
  const deadAt = firstStatus(outs, 'c', 'dead')!;
  const verdict = sends(outs.find(([t]) => t === deadAt)![1], 'm.upd').filter((s) => s.msg.u?.some((u) => u[0] === 'c' && u[2] === 2));
  assert.deepEqual(new Set(verdict.map((s) => s.to)), new Set(PEERS.filter((p) => p !== 'c')), 'the verdict goes to every live member');
  assert.equal(new Set(verdict.map((s) => s.msg)).size, 1, 'one message object for all (encoded once)');

  // A node that heard the suspicion by rumour and whose own timer runs out does not broadcast.
  const other = engineWith(PEERS);
  other.onMessage('a', { t: 'm.upd', u: [['c', 'addr:c', 1, 0, 'a']] }, 0);
  const later = tickUntil(other, 0, 20_000);
  const theirVerdict = later.flatMap((o) => sends(o, 'm.upd')).filter((s) => s.msg.u?.length === 1 && s.msg.u[0]![0] === 'c' && s.msg.u[0]![2] === 2);
  assert.equal(theirVerdict.length, 0, 'no broadcast of a verdict on a suspicion raised elsewhere');

  const r = engineWith(PEERS);
  const out = r.onMessage('a', { t: 'm.upd', u: [['self', 'addr:self', 1, 0, 'b']] }, 10);
  assert.deepEqual(new Set(sends(out, 'm.upd').map((s) => s.to)), new Set(PEERS), 'the refutation goes to every member');
});

test('our own failed probe of a member someone else suspects is sent to that accuser at once, as a confirmation', () => {
  const e = engineWith(PEERS);
  e.onMessage('a', { t: 'm.upd', u: [['c', 'addr:c', 1, 0, 'a']] }, 0);
  const outs = runProbesFailing(e, 'c', 5_000);
  const toAccuser = outs.flatMap(([, o]) => sends(o, 'm.upd')).filter((s) => s.to === 'a' && s.msg.u?.some((u) => u[0] === 'c' && u[2] === 1 && u[4] === 'self'));
  assert.equal(toAccuser.length, 1, 'one confirmation, straight to the accuser');
});

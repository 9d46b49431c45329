import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GOSSIP_PRESETS } from '../../../../src/config/gossip.js';
import { GossipEngine } from '../../../../src/core/gossip/engine.js';
import { seededRandom } from '../../../../src/core/gossip/types.js';
import { Registry } from '../../../../src/core/registry.js';
import { engineWith, sends, tickUntil } from './harness.js';

test('persisted state brings back incarnation, down members (with reaping) and peers to rejoin', () => {
  const e = engineWith(['a', 'b', 'c'], { reapAfterMs: 1_000 });
  e.onMessage('a', { t: 'm.upd', u: [['self', 'addr:self', 1, 0, 'a']] }, 0); // refute -> inc 1
  e.onMessage('a', { t: 'm.upd', u: [['c', 'addr:c', 2, 4, 'a']] }, 0); // c dead at inc 4
  const state = structuredClone(e.persistentState());
  assert.equal(state.inc, 1);
  assert.deepEqual(state.peers.map((p) => p[0]).sort(), ['a', 'b']);
  assert.deepEqual(state.down, [['c', 'addr:c', 'dead', 4, 0]]);

  const r = new GossipEngine({ self: { name: 'self', addr: 'addr:self' }, config: { ...GOSSIP_PRESETS.lan, reapAfterMs: 1_000 }, random: seededRandom(1), registry: new Registry(), persisted: state, now: 5_000 });
  const out = r.start(['addr:seed'], 5_000);
  assert.equal(r.membership.inc, 2, 'a restart continues above the persisted incarnation');
  assert.equal(out.persist, true);
  assert.deepEqual(out.status, [{ name: 'c', status: 'dead' }], 'c stays dead: its instances stay UNHEALTHY');
  assert.deepEqual(out.reap, [{ name: 'c', reaped: true }], 'and reaped, since reapAfterMs has passed');
  const joins = sends(out, 'm.join');
  assert.deepEqual(joins.map((s) => s.addr).sort(), ['addr:a', 'addr:b', 'addr:seed']);
  assert.ok(joins.every((s) => s.msg.n === 'self' && s.msg.a === 'addr:self' && s.msg.i === 2), 'a join says who we are');
  assert.equal(joins.find((s) => s.addr === 'addr:seed')!.to, '', 'a seed is dialled by address only');
});

test('a join nobody answers is retried with backoff until a peer is known, then retries stop', () => {
  const e = engineWith([]);
  const first = e.start(['addr:seed'], 0);
  assert.equal(sends(first, 'm.join').length, 1);
  const outs = tickUntil(e, 0, 10_000);
  const retryTimes: number[] = [];
  let t = 0;
  // Reconstruct when each retry went out from the outputs' order and the wake times.
  for (const o of outs) if (sends(o, 'm.join').some((s) => s.addr === 'addr:seed')) retryTimes.push(t++);
  assert.ok(retryTimes.length >= 4 && retryTimes.length <= 12, `retries within 10 s are bounded by the backoff, got ${retryTimes.length}`);
  // The seed answers: from then on no more joins to it.
  e.onMessage('seed', { t: 'm.sync', ms: [['seed', 'addr:seed', 0, 0]], d: 1 }, 10_000);
  assert.ok(e.members().some((m) => m.name === 'seed' && m.status === 'alive'), 'the seed is a member now');
  const soon = tickUntil(e, 10_000, 10_200);
  assert.equal(soon.flatMap((o) => sends(o, 'm.join')).filter((s) => s.to === '').length, 0, 'no joins by address while a peer is known');
  // The seed never answers a probe, so it is declared dead; alone again, the node resumes its retries.
  const later = tickUntil(e, 10_200, 40_000);
  assert.ok(e.members().some((m) => m.name === 'seed' && m.status === 'dead'));
  assert.ok(later.flatMap((o) => sends(o, 'm.join')).some((s) => s.to === '' && s.addr === 'addr:seed'), 'alone again: joins resume');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GOSSIP_PRESETS } from '../../../../src/config/gossip.js';
import { GossipEngine } from '../../../../src/core/gossip/engine.js';
import { seededRandom } from '../../../../src/core/gossip/types.js';
import { Registry } from '../../../../src/core/registry.js';
import { engineWith, sends } from './harness.js';

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

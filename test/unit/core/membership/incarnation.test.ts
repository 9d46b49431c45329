/**
 * The incarnation attack (issue 12): announcing a live member as `left` (or dead, or
 * suspect) at an incarnation so high that its refutation would not be a safe integer
 * evicted it for good. Claims from the wire are now bounded (incarnation.ts), and a
 * member can always refute what is said about it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_INCARNATION, MAX_INCARNATION_JUMP } from '../../../../src/core/membership/incarnation.js';
import { STATUS_CODES } from '../../../../src/core/membership/messages.js';
import { GOSSIP_PRESETS } from '../../../../src/config/gossip.js';
import { GossipEngine } from '../../../../src/core/gossip/engine.js';
import { seededRandom } from '../../../../src/core/gossip/types.js';
import { Registry } from '../../../../src/core/registry.js';
import { engineWith, sends } from './harness.js';

/** peerEngine is node `p`, which knows `self` (the victim), a and c as alive. */
function peerEngine(): GossipEngine {
  const seedMembers = ['self', 'a', 'c'].map((n) => ({ name: n, addr: `addr:${n}` }));
  return new GossipEngine({ self: { name: 'p', addr: 'addr:p' }, config: GOSSIP_PRESETS.lan, random: seededRandom(3), registry: new Registry(), now: 0, seedMembers });
}

const PEERS = ['a', 'b', 'c'];
const LEFT = STATUS_CODES.left;
const DEAD = STATUS_CODES.dead;

test('left at 2^53-1 about us is refused at the decoder and changes nothing', () => {
  const victim = engineWith(PEERS);
  const before = victim.stats().invalidMessages;
  const out = victim.onMessage('a', { t: 'm.upd', u: [['self', 'addr:self', LEFT, Number.MAX_SAFE_INTEGER, 'a']] }, 10);
  assert.equal(victim.stats().invalidMessages, before + 1);
  assert.equal(victim.membership.inc, 0);
  assert.equal(out.persist, false, 'nothing about ourselves is persisted');
  assert.equal(victim.members().find((m) => m.name === 'self')!.status, 'alive');
});

test('left at the ceiling about a member is dropped by its peers; the member stays alive', () => {
  const peer = engineWith(PEERS);
  peer.onMessage('a', { t: 'm.upd', u: [['b', 'addr:b', LEFT, MAX_INCARNATION, 'a']] }, 10);
  assert.equal(peer.membership.list.get('b')!.status, 'alive');
  peer.onMessage('a', { t: 'm.upd', u: [['b', 'addr:b', LEFT, MAX_INCARNATION_JUMP + 1, 'a']] }, 10);
  assert.equal(peer.membership.list.get('b')!.status, 'alive', 'a claim further ahead than the window is dropped');
  assert.equal(peer.stats().implausibleIncarnations, 2);
});

test('the incarnation attack is refuted: a victim announced left at the highest accepted incarnation comes back alive everywhere', () => {
  const victim = engineWith(PEERS);
  const peer = peerEngine();
  // The highest claim a peer still applies about a member it knows at incarnation 0.
  const attack: [string, string, number, number, string] = ['self', 'addr:self', LEFT, MAX_INCARNATION_JUMP, 'a'];
  peer.onMessage('a', { t: 'm.upd', u: [attack] }, 10);
  assert.equal(peer.membership.list.get('self')!.status, 'left', 'the peer believed the claim');
  const out = victim.onMessage('a', { t: 'm.upd', u: [attack] }, 10);
  assert.equal(victim.membership.inc, MAX_INCARNATION_JUMP + 1, 'the victim refutes above the claim');
  assert.ok(Number.isSafeInteger(victim.membership.inc));
  assert.equal(victim.members().find((m) => m.name === 'self')!.status, 'alive', 'a foreign left about ourselves is never taken on');
  const refutation = sends(out, 'm.upd').find((s) => s.to === 'a');
  assert.ok(refutation, 'the refutation goes out at once, to the accuser too');
  // The refutation passes the peer's decoder and bounds and revives the victim there.
  const back = peer.onMessage('self', refutation.msg, 20);
  assert.equal(peer.stats().invalidMessages, 0);
  assert.equal(peer.membership.list.get('self')!.status, 'alive');
  assert.deepEqual(back.status, [{ name: 'self', status: 'alive' }]);
});

test('repeated claims each push the incarnation by at most the window, and every one is refuted', () => {
  const victim = engineWith(PEERS);
  for (let i = 0; i < 50; i++) {
    const claim = victim.membership.inc + MAX_INCARNATION_JUMP;
    victim.onMessage('a', { t: 'm.upd', u: [['self', 'addr:self', i % 2 ? LEFT : DEAD, claim, 'a']] }, i);
    assert.equal(victim.membership.inc, claim + 1);
  }
  assert.ok(victim.membership.inc < MAX_INCARNATION);
  victim.onMessage('a', { t: 'm.upd', u: [['self', 'addr:self', LEFT, victim.membership.inc + MAX_INCARNATION_JUMP + 1, 'a']] }, 99);
  assert.equal(victim.stats().implausibleIncarnations, 1, 'a claim past the window is dropped, not followed');
});

test('a join that names another node than its sender is dropped', () => {
  const e = engineWith(PEERS);
  e.onMessage('a', { t: 'm.upd', u: [['b', 'addr:b', DEAD, 0, 'a']] }, 0);
  assert.equal(e.membership.list.get('b')!.status, 'dead');
  e.onMessage('a', { t: 'm.join', n: 'b', a: 'addr:b', i: 5, ms: [] }, 1);
  assert.equal(e.membership.list.get('b')!.status, 'dead', 'a cannot revive b');
  assert.equal(e.stats().spoofedJoins, 1);
  e.onMessage('b', { t: 'm.join', n: 'b', a: 'addr:b', i: 5, ms: [] }, 2);
  assert.equal(e.membership.list.get('b')!.status, 'alive');
});

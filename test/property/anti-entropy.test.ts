import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { GOSSIP_PRESETS } from '../../src/config/gossip.js';
import { GossipEngine } from '../../src/core/gossip/engine.js';
import { seededRandom, type GossipOutput } from '../../src/core/gossip/types.js';
import { compareVersion, type Rec } from '../../src/core/records.js';
import { stateDigest } from '../../src/core/state-digest.js';
import type { Clock } from '../../src/runtime/clock.js';
import { GrapevineNode } from '../../src/runtime/node.js';
import { MemoryStore } from '../../src/storage/memory-store.js';

const NOW = 1_700_000_000_000;
const clock: Clock = { nowMs: () => NOW, setTimeout: () => ({}), clearTimeout: () => {} };

/** history generates writes by three origins (seq counting per origin) over a handful of keys. */
const historyArb = fc.array(fc.record({ origin: fc.constantFrom('o1', 'o2', 'o3'), id: fc.integer({ min: 0, max: 15 }), del: fc.boolean() }), {
  minLength: 1,
  maxLength: 80,
});

function build(history: { origin: string; id: number; del: boolean }[]): Rec[] {
  const seq = new Map<string, number>();
  return history.map((h, i) => {
    const s = (seq.get(h.origin) ?? 0) + 1;
    seq.set(h.origin, s);
    const id = `i${h.id}`;
    const value = h.del ? null : { namespace: 'ns', service: 'svc', id, owner: h.origin, attributes: {}, registeredAtMs: 0 };
    const rec: Rec = { key: `i|ns|svc|${id}`, value, hlc: (NOW + i) * 1024, node: h.origin, seq: s };
    if (h.del) rec.deletedAtMs = NOW;
    return rec;
  });
}

interface Replica {
  node: GrapevineNode;
  engine: GossipEngine;
}

async function replica(name: string, other: string, recs: Rec[], random: number): Promise<Replica> {
  const node = new GrapevineNode(name, new MemoryStore(), clock);
  await node.start();
  await node.applyRemote(recs);
  const engine = new GossipEngine({
    self: { name, addr: `addr:${name}` },
    config: GOSSIP_PRESETS.test,
    random: seededRandom(random),
    registry: node.registry,
    now: NOW,
    seedMembers: [{ name: other, addr: `addr:${other}` }],
  });
  return { node, engine };
}

/** exchange delivers every message between two replicas (r.* only: no timers) until both are quiet. */
async function exchange(a: Replica, b: Replica, first: GossipOutput): Promise<void> {
  const queue: [Replica, GossipOutput][] = [[a, first]];
  for (let steps = 0; queue.length > 0 && steps < 10_000; steps++) {
    const [self, out] = queue.shift()!;
    const peer = self === a ? b : a;
    for (const ap of out.apply) {
      const won = await self.node.applyRemote(ap.recs);
      queue.push([self, self.engine.onApplied(ap.from, won, NOW)]);
    }
    if (out.drop.length > 0) await self.node.dropRecords(out.drop);
    for (const s of out.sends) if (s.msg.t.startsWith('r.')) queue.push([peer, peer.engine.onMessage(self.engine.name, s.msg, NOW)]);
  }
}

test('anti-entropy between two replicas holding random subsets of a history converges to equal digests', async () => {
  await fc.assert(
    fc.asyncProperty(historyArb, fc.array(fc.boolean(), { minLength: 80, maxLength: 80 }), fc.array(fc.boolean(), { minLength: 80, maxLength: 80 }), async (history, inA, inB) => {
      const recs = build(history);
      const a = await replica('a', 'b', recs.filter((_, i) => inA[i]), 1);
      const b = await replica('b', 'a', recs.filter((_, i) => inB[i]), 2);
      await exchange(a, b, a.engine.peerConnected('b', NOW));
      assert.equal(stateDigest(a.node.registry), stateDigest(b.node.registry));
      // And that state is the merge of what both held: nothing lost, nothing invented.
      const union = recs.filter((_, i) => inA[i] || inB[i]);
      for (const r of union) assert.ok(compareVersion(a.node.registry.get(r.key)!, r) >= 0);
      assert.ok([...a.node.registry.records.values()].every((r) => union.includes(r) || union.some((u) => compareVersion(u, r) === 0)));
      // A second exchange finds nothing to send: watermarks cover everything.
      const before = stateDigest(a.node.registry);
      await exchange(b, a, b.engine.peerConnected('a', NOW + 1_000_000));
      assert.equal(stateDigest(a.node.registry), before);
    }),
    { numRuns: 150 },
  );
});

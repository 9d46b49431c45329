import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { GOSSIP_PRESETS } from '../../src/config/gossip.js';
import { compareVersion, type Rec } from '../../src/core/records.js';
import { stateDigest } from '../../src/core/state-digest.js';
import { SimCluster } from '../../src/sim/cluster.js';

const NOW = 1_700_000_000_000;
// Timers far away: only the exchange started by connect() moves records, through the daemon's driver.
const quiet = { ...GOSSIP_PRESETS.test, probeIntervalMs: 3_600_000, probeTimeoutMs: 1_800_000, antiEntropyIntervalMs: 3_600_000, tombstoneTtlMs: 86_400_000 };

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

/** holding keeps, per key, the newest of the given records: what a store that merged them holds. */
function holding(recs: Rec[]): Rec[] {
  const m = new Map<string, Rec>();
  for (const r of recs) if (!m.has(r.key) || compareVersion(r, m.get(r.key)!) > 0) m.set(r.key, r);
  return [...m.values()];
}

test('anti-entropy between two replicas holding random subsets of a history converges to equal digests (through the daemon driver)', async () => {
  await fc.assert(
    fc.asyncProperty(historyArb, fc.array(fc.boolean(), { minLength: 80, maxLength: 80 }), fc.array(fc.boolean(), { minLength: 80, maxLength: 80 }), async (history, inA, inB) => {
      const recs = build(history);
      const held = [holding(recs.filter((_, i) => inA[i])), holding(recs.filter((_, i) => inB[i]))];
      let merges = 0;
      const c = await SimCluster.create({ seed: 7, size: 2, config: quiet, bootstrap: 'seed', startMs: NOW, onWon: () => merges++, prepare: (name, store) => {
        for (const r of held[name === 'n0' ? 0 : 1]) store.records.set(r.key, r);
      } });
      await c.connect('n0', 'n1');
      await c.runFor(100);
      const [a, b] = [c.get('n0').node!, c.get('n1').node!];
      assert.equal(stateDigest(a.registry), stateDigest(b.registry));
      // And that state is the merge of what both held: nothing lost, nothing invented.
      const union = recs.filter((_, i) => inA[i] || inB[i]);
      for (const r of union) assert.ok(compareVersion(a.registry.get(r.key)!, r) >= 0);
      assert.ok([...a.registry.records.values()].every((r) => union.some((u) => compareVersion(u, r) === 0)));
      // The stores hold it too: a restart loses nothing.
      for (const n of ['n0', 'n1']) assert.equal(c.get(n).store.records.size, a.registry.records.size);
      // A second exchange finds nothing to send: watermarks cover everything.
      const before = stateDigest(a.registry);
      const mergesBefore = merges;
      await c.runFor(1_000_000);
      await c.connect('n1', 'n0');
      await c.runFor(100);
      assert.equal(stateDigest(a.registry), before);
      assert.equal(merges, mergesBefore, 'the second exchange merged nothing new');
    }),
    { numRuns: 150 },
  );
});

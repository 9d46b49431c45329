import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareVersion, mergeRecord, type Rec } from '../../src/core/records.js';
import { Registry } from '../../src/core/registry.js';
import { stateDigest } from '../../src/core/state-digest.js';

const KEYS = ['n|a', 's|a|web', 'i|a|web|1', 'i|a|web|2', 'h|a|web|1'];

/** recArb builds records over a few keys with colliding versions, tombstones included. */
const recArb: fc.Arbitrary<Rec> = fc
  .record({
    k: fc.integer({ min: 0, max: KEYS.length - 1 }),
    hlc: fc.integer({ min: 1, max: 20 }),
    node: fc.constantFrom('x', 'y', 'z'),
  })
  .map(({ k, hlc, node }) => {
    // Whether it is a tombstone is also a function of the version (one value per version).
    const dead = (hlc + k + node.charCodeAt(0)) % 3 === 0;
    const key = KEYS[k];
    const [kind, ns, svc, id] = key.split('|');
    // One writer writes one value per version, so the body is a function of (key, hlc, node).
    const body =
      kind === 'n'
        ? { name: ns }
        : kind === 's'
          ? { namespace: ns, name: svc }
          : kind === 'i'
            ? { namespace: ns, service: svc, id, owner: node, attributes: {}, registeredAtMs: hlc }
            : { status: 'HEALTHY', reason: 'x', output: '', changedAtMs: hlc, consecutiveSuccesses: 0, consecutiveFailures: 0 };
    return { key, value: dead ? null : body, hlc, node, seq: hlc } as Rec;
  });

/** naive is the model: per key, the record with the highest (hlc, node). */
function naive(recs: Rec[]): Map<string, Rec> {
  const m = new Map<string, Rec>();
  for (const r of recs) {
    const cur = m.get(r.key);
    if (!cur || compareVersion(r, cur) > 0) m.set(r.key, r);
  }
  return m;
}

function applied(recs: Rec[]): Registry {
  const reg = new Registry();
  for (const r of recs) reg.apply(r);
  return reg;
}

function sameAsModel(reg: Registry, model: Map<string, Rec>): void {
  assert.equal(reg.records.size, model.size);
  for (const [k, r] of model) assert.equal(compareVersion(reg.get(k)!, r), 0, k);
}

test('merge is commutative, associative and idempotent, and equals the naive model', () => {
  fc.assert(
    fc.property(recArb, recArb, recArb, (a, b, c) => {
      if (a.key !== b.key || b.key !== c.key) return;
      const v = (r: Rec) => [r.hlc, r.node];
      assert.deepEqual(v(mergeRecord(mergeRecord(undefined, a), b)), v(mergeRecord(mergeRecord(undefined, b), a)));
      assert.deepEqual(v(mergeRecord(mergeRecord(a, b), c)), v(mergeRecord(a, mergeRecord(b, c))));
      assert.deepEqual(v(mergeRecord(a, a)), v(a));
    }),
    { numRuns: 500 },
  );
});

test('applying any order of records, with repeats, gives the naive model state and the same digest', () => {
  fc.assert(
    fc.property(fc.array(recArb, { maxLength: 40 }), fc.integer(), (recs, seed) => {
      const model = naive(recs);
      const reg1 = applied(recs);
      sameAsModel(reg1, model);
      // A shuffled order with every record delivered twice converges to the same state.
      const twice = [...recs, ...recs];
      let s = seed >>> 0;
      for (let i = twice.length - 1; i > 0; i--) {
        s = (s * 1103515245 + 12345) >>> 0;
        const j = s % (i + 1);
        [twice[i], twice[j]] = [twice[j], twice[i]];
      }
      const reg2 = applied(twice);
      sameAsModel(reg2, model);
      assert.equal(stateDigest(reg1), stateDigest(reg2));
    }),
    { numRuns: 300 },
  );
});

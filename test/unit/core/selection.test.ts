import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom, type Random } from '../../../src/core/gossip/types.js';
import type { InstanceView } from '../../../src/core/registry.js';
import { HEALTH_FILTERS, selectIndexes, selectViews, shufflePrefix, type HealthFilter } from '../../../src/core/selection.js';
import type { EffectiveHealth } from '../../../src/core/types.js';

function view(id: string, health: EffectiveHealth, attributes: Record<string, string> = {}): InstanceView {
  return { value: { namespace: 'n', service: 's', id, attributes, owner: 'n1', registeredAtMs: 0 }, hlc: 1, health, reason: health } as InstanceView;
}
const ids = (views: InstanceView[]) => views.map((v) => v.value.id);

test('health modes: each admits its health; ALL includes DRAINING; results keep view order', () => {
  const views = [view('a', 'HEALTHY'), view('b', 'UNHEALTHY'), view('c', 'DRAINING'), view('d', 'HEALTHY'), view('e', 'UNHEALTHY')];
  const want: Record<HealthFilter, string[]> = {
    HEALTHY: ['a', 'd'],
    UNHEALTHY: ['b', 'e'],
    ALL: ['a', 'b', 'c', 'd', 'e'],
    HEALTHY_OR_ELSE_ALL: ['a', 'd'],
  };
  for (const h of HEALTH_FILTERS) {
    assert.deepEqual(ids(selectViews(views, h)), want[h], h);
    assert.deepEqual([...selectIndexes(views, h)], want[h].map((id) => views.findIndex((v) => v.value.id === id)), h);
  }
});

test('HEALTHY_OR_ELSE_ALL fails open to every instance but the draining ones, and only when none is healthy', () => {
  const sick = [view('a', 'UNHEALTHY'), view('b', 'DRAINING'), view('c', 'UNHEALTHY')];
  assert.deepEqual(ids(selectViews(sick, 'HEALTHY_OR_ELSE_ALL')), ['a', 'c']);
  assert.deepEqual(ids(selectViews(sick, 'HEALTHY')), [], 'HEALTHY does not fail open');
  assert.deepEqual(ids(selectViews([view('x', 'DRAINING')], 'HEALTHY_OR_ELSE_ALL')), [], 'a drain hides an instance even failing open');
  assert.deepEqual(ids(selectViews([], 'HEALTHY_OR_ELSE_ALL')), []);
  // One healthy instance is enough to close the fallback.
  assert.deepEqual(ids(selectViews([...sick, view('h', 'HEALTHY')], 'HEALTHY_OR_ELSE_ALL')), ['h']);
});

test('a requirement applies before fail open: healthy instances that lack it do not keep the fallback closed', () => {
  const hasIp = (v: InstanceView) => v.value.attributes.ip !== undefined;
  const views = [view('healthy-no-ip', 'HEALTHY'), view('sick-ip', 'UNHEALTHY', { ip: '1' }), view('drain-ip', 'DRAINING', { ip: '2' })];
  assert.deepEqual(ids(selectViews(views, 'HEALTHY_OR_ELSE_ALL', hasIp)), ['sick-ip']);
  assert.deepEqual(ids(selectViews(views, 'HEALTHY', hasIp)), []);
  assert.deepEqual(ids(selectViews(views, 'ALL', hasIp)), ['sick-ip', 'drain-ip']);
  views.push(view('healthy-ip', 'HEALTHY', { ip: '3' }));
  assert.deepEqual(ids(selectViews(views, 'HEALTHY_OR_ELSE_ALL', hasIp)), ['healthy-ip']);
});

test('selectIndexes returns a fresh array each time: shuffling one answer does not change the next', () => {
  const views = [view('a', 'HEALTHY'), view('b', 'HEALTHY'), view('c', 'HEALTHY')];
  const first = selectIndexes(views, 'ALL');
  first.reverse();
  assert.deepEqual([...selectIndexes(views, 'ALL')], [0, 1, 2]);
});

/** counting wraps a Random and counts its draws. */
function counting(r: Random): Random & { draws: number } {
  const c = { draws: 0, next: () => (c.draws++, r.next()) };
  return c;
}

test('shufflePrefix: a permutation of the first n entries, min(k, n) returned, min(k, n - 1) draws, nothing past n touched', () => {
  const rnd = seededRandom(9);
  for (let trial = 0; trial < 300; trial++) {
    const n = Math.floor(rnd.next() * 20);
    const k = Math.floor(rnd.next() * 25);
    const order = new Int32Array(n + 3);
    for (let i = 0; i < order.length; i++) order[i] = i * 10;
    const r = counting(rnd);
    const got = shufflePrefix(order, n, k, r);
    assert.equal(got, Math.min(k, n));
    assert.equal(r.draws, Math.max(0, Math.min(k, n - 1)), `n=${n} k=${k}`);
    assert.deepEqual([...order.subarray(0, n)].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i * 10), 'a permutation');
    assert.deepEqual([...order.subarray(n)], [n * 10, (n + 1) * 10, (n + 2) * 10], 'entries past n untouched');
  }
});

test('shufflePrefix stays in bounds at the extremes of the injected random and follows it', () => {
  const low: Random = { next: () => 0 };
  const high: Random = { next: () => 1 - Number.EPSILON };
  const a = Int32Array.from([0, 1, 2, 3, 4]);
  shufflePrefix(a, 5, 5, low);
  assert.deepEqual([...a], [0, 1, 2, 3, 4], 'always drawing 0 swaps each entry with itself');
  const b = Int32Array.from([0, 1, 2, 3, 4]);
  shufflePrefix(b, 5, 1, high);
  assert.deepEqual([...b], [4, 1, 2, 3, 0], 'drawing just under 1 takes the last entry');
  const same = (seed: number) => {
    const o = Int32Array.from({ length: 30 }, (_, i) => i);
    shufflePrefix(o, 30, 30, seededRandom(seed));
    return [...o].join();
  };
  assert.equal(same(1), same(1), 'same seed, same order');
  assert.notEqual(same(1), same(2));
});

test('shufflePrefix draws a uniform sample: every entry comes first, repeated shuffles of one array included', () => {
  const order = Int32Array.from({ length: 10 }, (_, i) => i);
  const firsts = new Array(10).fill(0);
  const r = seededRandom(3);
  for (let i = 0; i < 5000; i++) {
    shufflePrefix(order, 10, 3, r);
    firsts[order[0]!]++;
  }
  for (const c of firsts) assert.ok(c > 350 && c < 650, `first-place counts ${firsts.join(',')}`);
});

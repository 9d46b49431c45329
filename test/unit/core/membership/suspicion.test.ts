import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Awareness } from '../../../../src/core/membership/awareness.js';
import { retransmitLimit } from '../../../../src/core/membership/broadcasts.js';
import { Suspicion, suspicionMinTimeoutMs, suspicionTimeoutMs } from '../../../../src/core/membership/suspicion.js';

test('suspicion base timeout follows memberlist: mult * max(1, log10 N) * interval (util_test.go table)', () => {
  // memberlist TestSuspicionTimeout: suspicionTimeout(3, n, 1s) / 3.
  const table: [number, number][] = [
    [5, 1000],
    [10, 1000],
    [50, 1698],
    [100, 2000],
    [500, 2698],
    [1000, 3000],
  ];
  for (const [n, expected] of table) assert.equal(suspicionMinTimeoutMs(3, n, 1000) / 3, expected, `N=${n}`);
  // lan preset (mult 4, interval 200 ms): 800 ms up to 10 members, 1.6 s at 100.
  assert.equal(suspicionMinTimeoutMs(4, 1, 200), 800);
  assert.equal(suspicionMinTimeoutMs(4, 10, 200), 800);
  assert.equal(suspicionMinTimeoutMs(4, 100, 200), 1600);
});

test('suspicion timeout shrinks with confirmations from max to min (memberlist suspicion_test.go table)', () => {
  // n confirmations of k=3, min 2 s, max 30 s: 30 s, 16 s, 7.81 s, then min.
  const table: [number, number][] = [
    [0, 30_000],
    [1, 16_000],
    [2, 7_810],
    [3, 2_000],
    [4, 2_000],
    [5, 2_000],
  ];
  for (const [n, expected] of table) assert.equal(suspicionTimeoutMs(n, 3, 2_000, 30_000), expected, `n=${n}`);
  // No expected confirmations: the minimum from the start.
  assert.equal(suspicionTimeoutMs(0, 0, 2_000, 30_000), 2_000);
});

test('Suspicion counts each accuser once and ignores the one that raised it', () => {
  const s = new Suspicion('a', 1000, 2, 800, 4800);
  assert.equal(s.deadlineMs, 1000 + 4800);
  assert.equal(s.confirm('a'), false, 'the raiser is not a confirmation');
  assert.equal(s.confirm('b'), true);
  assert.equal(s.confirm('b'), false, 'a repeat is not a confirmation');
  assert.equal(s.deadlineMs, 1000 + 2276);
  assert.equal(s.confirm('c'), true);
  assert.equal(s.deadlineMs, 1000 + 800);
  assert.equal(s.confirm('d'), false, 'no more than k confirmations count');
});

test('awareness scales timeouts by health score + 1 and stays within [0, max - 1] (Lifeguard §4.1)', () => {
  const a = new Awareness(8);
  assert.equal(a.scaleMs(100), 100);
  a.applyDelta(3);
  assert.equal(a.scaleMs(100), 400);
  a.applyDelta(100);
  assert.equal(a.health, 7);
  assert.equal(a.scaleMs(100), 800);
  a.applyDelta(-100);
  assert.equal(a.health, 0);
});

test('retransmit limit is mult * ceil(log10(N + 1))', () => {
  const table: [number, number][] = [
    [1, 4],
    [9, 4],
    [10, 8],
    [25, 8],
    [99, 8],
    [100, 12],
    [1000, 16],
    [10_000, 20],
  ];
  for (const [n, expected] of table) assert.equal(retransmitLimit(4, n), expected, `N=${n}`);
});

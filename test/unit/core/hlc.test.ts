import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HybridClock, hlcWallMs, MAX_CLOCK_DRIFT_MS } from '../../../src/core/hlc.js';
import { compareVersion, mergeRecord, type Rec } from '../../../src/core/records.js';

test('HLC is strictly increasing even when the wall clock stalls or goes back', () => {
  const c = new HybridClock();
  const a = c.now(1000);
  const b = c.now(1000);
  const d = c.now(500);
  assert.ok(b > a && d > b);
  assert.equal(hlcWallMs(a), 1000);
});

test('HLC restarted from a persisted value never goes backwards', () => {
  const c1 = new HybridClock();
  const last = c1.now(5000);
  const c2 = new HybridClock(last);
  assert.ok(c2.now(10) > last);
});

test('HLC observe adopts a remote value but refuses one far in the future', () => {
  const c = new HybridClock();
  c.now(1000);
  assert.equal(c.observe(new HybridClock().now(2000), 1000), true);
  assert.ok(hlcWallMs(c.now(1000)) >= 2000);
  assert.equal(c.observe(new HybridClock().now(1000 + MAX_CLOCK_DRIFT_MS + 10_000), 1000), false);
  assert.equal(c.observe(-1, 1000), false);
  assert.equal(c.observe(1.5, 1000), false);
});

test('record versions order by hlc, then node name; the merge keeps the higher', () => {
  const a: Rec = { key: 'n|x', value: 1, hlc: 10, node: 'a', seq: 1 };
  const b: Rec = { key: 'n|x', value: 2, hlc: 10, node: 'b', seq: 1 };
  const c: Rec = { key: 'n|x', value: null, hlc: 11, node: 'a', seq: 2 };
  assert.equal(compareVersion(a, b), -1);
  assert.equal(compareVersion(b, a), 1);
  assert.equal(compareVersion(a, a), 0);
  assert.equal(mergeRecord(a, b), b);
  assert.equal(mergeRecord(b, a), b);
  assert.equal(mergeRecord(b, c), c);
  assert.equal(mergeRecord(undefined, a), a);
});

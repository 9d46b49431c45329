import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HybridClock, hlcFromWallMs, hlcWallMs, MAX_ALLOWED_CLOCK_DRIFT_MS, MAX_CLOCK_DRIFT_MS } from '../../../src/core/hlc.js';
import { validateRecord } from '../../../src/core/replication/validate.js';
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

test('HLC adopts a peer an hour ahead (default bound), and later local writes order after it', () => {
  const now = Date.UTC(2026, 0, 1);
  assert.ok(MAX_CLOCK_DRIFT_MS > 3600_000, 'the default bound is larger than an hour');
  const ahead = new HybridClock().now(now + 3600_000 + 5_000);
  const c = new HybridClock();
  c.now(now);
  assert.equal(c.observe(ahead, now), true);
  const next = c.now(now + 10);
  assert.ok(next > ahead, 'a local write after seeing the future peer orders after it');
  // Many writes in the same millisecond overflow the logical counter into the wall part; still strictly increasing and safe.
  let prev = next;
  for (let i = 0; i < 5_000; i++) {
    const v = c.now(now);
    assert.ok(v > prev && Number.isSafeInteger(v));
    prev = v;
  }
  // The same record from that peer is kept by validation, not refused as "in the future".
  const rec = { key: 'n|a.internal', value: { name: 'a.internal', type: 'HTTP', description: '', soaTtl: 0, createdAtMs: 0 }, hlc: ahead, node: 'p', seq: 1 };
  assert.ok(validateRecord(rec, now));
  assert.equal(validateRecord({ ...rec, hlc: hlcFromWallMs(now + MAX_CLOCK_DRIFT_MS + 1_000) }, now), undefined);
});

test('HLC drift bound is a parameter, checked against a safe maximum', () => {
  const now = 1_000_000;
  const tight = new HybridClock(0, 60_000);
  assert.equal(tight.observe(hlcFromWallMs(now + 120_000), now), false);
  const loose = new HybridClock(0, 3 * 3600_000);
  assert.equal(loose.observe(hlcFromWallMs(now + 2.5 * 3600_000), now), true);
  assert.equal(validateRecord({ key: 'n|a.internal', value: { name: 'a.internal' }, hlc: hlcFromWallMs(now + 120_000), node: 'p', seq: 1 }, now, 60_000), undefined);
  assert.throws(() => new HybridClock(0, -1), /maxClockDriftMs/);
  assert.throws(() => new HybridClock(0, MAX_ALLOWED_CLOCK_DRIFT_MS + 1), /maxClockDriftMs/);
  assert.throws(() => new HybridClock(0, 1.5), /maxClockDriftMs/);
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

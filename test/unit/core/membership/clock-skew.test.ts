import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClockSkewMonitor, clusterSkewMs, DEFAULT_MAX_CLOCK_SKEW_MS, peerOffsetMs } from '../../../../src/core/membership/clock-skew.js';
import { GrapevineError } from '../../../../src/core/errors.js';

const MIN = 60_000;
const HOUR = 3600_000;

test('peerOffsetMs corrects the peer time by half the round trip', () => {
  // We sent at 1000 (our clock); the answer took 100 ms; the peer read its clock (5050) halfway: it is 4000 ahead.
  assert.equal(peerOffsetMs(1000, 100, 5050), 4000);
  assert.equal(peerOffsetMs(1000, 0, 1000), 0);
  assert.equal(peerOffsetMs(10_000, 40, 10_020 - HOUR), -HOUR);
  // A negative rtt (cannot happen on a monotonic clock) is not allowed to skew the estimate.
  assert.equal(peerOffsetMs(1000, -50, 1000), 0);
});

test('clusterSkewMs is minus the median of the peer offsets with our own zero counted', () => {
  assert.equal(clusterSkewMs([]), 0);
  // Two healthy peers agree with us; one is 40 min ahead: we are fine.
  assert.equal(clusterSkewMs([0, 40 * MIN]), 0);
  // Both our peers are 40 min behind us: we are 40 min ahead of the cluster.
  assert.equal(clusterSkewMs([-40 * MIN, -40 * MIN]), 40 * MIN);
  // One peer an hour away: no majority, so neither side blames itself.
  assert.equal(clusterSkewMs([HOUR]), 0);
  assert.equal(clusterSkewMs([-HOUR]), 0);
  // Four peers, all about 10 min ahead of us (even count with us: 5 values, median is a peer).
  assert.equal(clusterSkewMs([10 * MIN, 10 * MIN + 5, 10 * MIN - 5, 10 * MIN]), -10 * MIN);
  assert.equal(clusterSkewMs([Number.NaN, 5]), 0);
});

test('ClockSkewMonitor flags this node past maxClockSkewMs, refuses writes with ClockSkew, and reports each change once', () => {
  const m = new ClockSkewMonitor('n3', 5 * MIN);
  assert.equal(m.maxClockSkewMs, DEFAULT_MAX_CLOCK_SKEW_MS);
  assert.deepEqual(m.update(new Map([['n1', 0], ['n2', 10]])), []);
  assert.equal(m.writeRefusal(), undefined);
  // Our clock steps 40 minutes ahead: both peers now look 40 min behind.
  const changes = m.update(new Map([['n1', -40 * MIN], ['n2', -40 * MIN + 10]]));
  assert.deepEqual(changes.map((c) => [c.node, c.skewed, c.self]), [['n3', true, true]]);
  assert.equal(m.skewMs, 40 * MIN - 10);
  assert.equal(m.skewed, true);
  const e = m.writeRefusal();
  assert.ok(e instanceof GrapevineError);
  assert.equal(e.code, 'ClockSkew');
  assert.equal(e.status, 503);
  assert.match(e.message, /n3/);
  // The peers are fine relative to the cluster.
  assert.deepEqual(m.skewOf('n1'), { clockSkewMs: 0 - 10 + 0, clockSkewed: false });
  assert.deepEqual(m.skewOf('n3'), { clockSkewMs: 40 * MIN - 10, clockSkewed: true });
  assert.equal(m.skewOf('nobody'), undefined);
  // Same state again: nothing new to report.
  assert.deepEqual(m.update(new Map([['n1', -40 * MIN], ['n2', -40 * MIN]])), []);
  // Fixed: one change, back to accepting writes.
  assert.deepEqual(m.update(new Map([['n1', 0], ['n2', 0]])).map((c) => [c.node, c.skewed]), [['n3', false]]);
  assert.equal(m.writeRefusal(), undefined);
});

test('ClockSkewMonitor names a skewed peer, and forgets it when it goes away', () => {
  const m = new ClockSkewMonitor('n1', 5 * MIN);
  const c1 = m.update(new Map([['n2', 0], ['n3', HOUR]]));
  assert.deepEqual(c1.map((c) => [c.node, c.skewed, c.skewMs]), [['n3', true, HOUR]]);
  assert.equal(m.skewed, false);
  assert.deepEqual(m.update(new Map([['n2', 0]])), []);
  // Back again, still off: news again.
  assert.equal(m.update(new Map([['n2', 0], ['n3', HOUR]])).length, 1);
});

test('ClockSkewMonitor refuses a limit that is not a positive integer', () => {
  assert.throws(() => new ClockSkewMonitor('n', 0), RangeError);
  assert.throws(() => new ClockSkewMonitor('n', 1.5), RangeError);
});

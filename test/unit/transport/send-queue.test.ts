import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SendQueue } from '../../../src/transport/send-queue.js';
import { backoffDelayMs } from '../../../src/transport/backoff.js';

const f = (tag: string, critical: boolean, at = 0) => ({ bytes: Buffer.from(tag), critical, enqueuedAtMs: at });

test('a full queue evicts the oldest non-critical frame first, then the oldest', () => {
  const q = new SendQueue({ maxFrames: 3, maxBytes: 1 << 20, maxAgeMs: 1e9 });
  q.push(f('r1', true));
  q.push(f('m1', false));
  q.push(f('r2', true));
  assert.equal(q.push(f('r3', true)), 1);
  const out: string[] = [];
  const exp = { count: 0 };
  for (let x = q.shift(0, exp); x; x = q.shift(0, exp)) out.push(x.bytes.toString());
  assert.deepEqual(out, ['r1', 'r2', 'r3']);
  const q2 = new SendQueue({ maxFrames: 2, maxBytes: 1 << 20, maxAgeMs: 1e9 });
  q2.push(f('r1', true));
  q2.push(f('r2', true));
  q2.push(f('r3', true));
  assert.equal(q2.shift(0, exp)!.bytes.toString(), 'r2');
});

test('the byte bound holds and stale frames are skipped and counted', () => {
  const q = new SendQueue({ maxFrames: 100, maxBytes: 10, maxAgeMs: 100 });
  for (let i = 0; i < 10; i++) q.push(f(`abcd${i}`, false, i * 10));
  assert.ok(q.bytes <= 10);
  assert.equal(q.length, 2);
  const exp = { count: 0 };
  const first = q.shift(185, exp);
  assert.equal(first?.bytes.toString(), 'abcd9');
  assert.equal(exp.count, 1);
  assert.equal(q.length, 0);
  assert.equal(q.bytes, 0);
});

test('backoff grows, is capped and jittered', () => {
  const p = { baseMs: 50, maxMs: 2000 };
  assert.equal(backoffDelayMs(0, p, 0.5), 0);
  assert.equal(backoffDelayMs(1, p, 0), 25);
  assert.equal(backoffDelayMs(1, p, 0.999), 50);
  assert.equal(backoffDelayMs(3, p, 0), 100);
  assert.ok(backoffDelayMs(40, p, 0.999) <= 2000);
  assert.ok(backoffDelayMs(40, p, 0) >= 1000);
});

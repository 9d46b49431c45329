import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter } from '../../../src/core/rate-limit.js';

test('token bucket: a burst of `rate`, then one per 1/rate s, per key; the wait until the next token is told', () => {
  const l = new RateLimiter<string>(10);
  let allowed = 0;
  for (let i = 0; i < 25; i++) if (l.take('a', 0) === 0) allowed++;
  assert.equal(allowed, 10);
  assert.equal(l.take('a', 0), 100, 'a token is back after 100 ms');
  assert.equal(l.take('b', 0), 0, 'another client has its own bucket');
  assert.equal(l.take('a', 100), 0);
  assert.ok(l.take('a', 100) > 0);
  // After a second the bucket is full again, never fuller.
  let again = 0;
  for (let i = 0; i < 25; i++) if (l.take('a', 5000) === 0) again++;
  assert.equal(again, 10);
});

test('the number of tracked clients stays bounded under a flood of distinct keys', () => {
  const l = new RateLimiter<number>(5, 1000);
  for (let i = 0; i < 50_000; i++) l.take(i, i % 7);
  assert.ok(l.size <= 1000, `size ${l.size}`);
});

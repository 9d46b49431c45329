import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Rec } from '../../../src/core/records.js';
import { MemoryStore } from '../../../src/storage/memory-store.js';
import { StorageUnavailableError } from '../../../src/storage/store.js';

function rec(i: number): Rec {
  return { key: `n|ns${i}`, value: { name: `ns${i}` }, hlc: i + 1, node: 'a', seq: i + 1 };
}

function unavailable(e: unknown): boolean {
  return e instanceof StorageUnavailableError && e.code === 'StorageUnavailable' && e.status === 503 && /^store failed: /.test(e.message);
}

test('MemoryStore.failNext fails that write and the store: later writes reject, nothing is applied, until reopen()', async () => {
  const s = new MemoryStore();
  await s.write({ put: [rec(1)], del: [] });
  s.failNext(1);
  await assert.rejects(s.write({ put: [rec(2)], del: [] }), unavailable);
  assert.deepEqual(s.health(), { state: 'failed', cause: 'injected write failure' });
  await assert.rejects(s.write({ put: [rec(3)], del: [] }), unavailable, 'the store stays failed after the injected failure is used up');
  assert.throws(() => s.writeSync({ put: [rec(4)], del: [] }), unavailable, 'the simulator path fails the same way');
  assert.deepEqual([...s.records.keys()], ['n|ns1'], 'failed writes leave no trace');
  await s.reopen();
  assert.deepEqual(s.health(), { state: 'ok' });
  await s.write({ put: [rec(5)], del: [] });
  assert.deepEqual([...s.records.keys()].sort(), ['n|ns1', 'n|ns5']);
});

test('MemoryStore.failWrites models a full disk: reopen() fails while it is on and succeeds once it is off', async () => {
  const s = new MemoryStore();
  s.failWrites(true);
  await assert.rejects(s.write({ put: [rec(1)], del: [] }), unavailable);
  await assert.rejects(s.reopen(), (e: unknown) => unavailable(e) && /reopen failed/.test((e as Error).message));
  assert.equal(s.health().state, 'failed');
  s.failWrites(false);
  await s.reopen();
  await s.write({ put: [rec(2)], del: [], meta: { seq: 2 } });
  assert.equal(await s.getMeta('seq'), 2);
  assert.equal(s.records.size, 1);
});

test('MemoryStore with a write delay applies writes in order, and a failure fails the writes queued behind it', async () => {
  const gates: (() => void)[] = [];
  const s = new MemoryStore({ writeDelay: () => new Promise<void>((r) => gates.push(r)) });
  const order: number[] = [];
  const w1 = s.write({ put: [rec(1)], del: [] }).then(() => order.push(1));
  const w2 = s.write({ put: [rec(2)], del: [] }).then(() => order.push(2));
  for (let i = 0; i < 50 && gates.length < 1; i++) await new Promise((r) => setImmediate(r));
  assert.equal(s.records.size, 0, 'nothing applied before the delay ends');
  gates.shift()!();
  for (let i = 0; i < 50 && gates.length < 1; i++) await new Promise((r) => setImmediate(r));
  gates.shift()!();
  await Promise.all([w1, w2]);
  assert.deepEqual(order, [1, 2]);

  s.failNext(1);
  const w3 = s.write({ put: [rec(3)], del: [] });
  const w4 = s.write({ put: [rec(4)], del: [] });
  for (let i = 0; i < 50 && gates.length < 1; i++) await new Promise((r) => setImmediate(r));
  gates.shift()!();
  await assert.rejects(w3, unavailable);
  for (let i = 0; i < 50 && gates.length < 1; i++) await new Promise((r) => setImmediate(r));
  gates.shift()!();
  await assert.rejects(w4, unavailable, 'a write queued behind the failed one is not acknowledged');
  assert.equal(s.records.size, 2);
  await s.close();
});

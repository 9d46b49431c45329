import { test } from 'node:test';
import assert from 'node:assert/strict';
import { putInstance, putNamespace, putService } from '../../../src/core/commands.js';
import { healthKey } from '../../../src/core/keys.js';
import { Registry } from '../../../src/core/registry.js';
import type { InstanceView } from '../../../src/core/registry.js';
import { ViewCache } from '../../../src/core/view-cache.js';
import { applyWrites } from './helpers.js';

const ctx = { node: 'n1', nowMs: 1000 };
const NS = 'v.internal';

function world(services: string[], perService = 3): Registry {
  const reg = new Registry();
  applyWrites(reg, putNamespace(reg, NS, { type: 'HTTP' }, ctx).writes);
  for (const s of services) {
    applyWrites(reg, putService(reg, NS, s, {}, ctx).writes);
    for (let i = 0; i < perService; i++) applyWrites(reg, putInstance(reg, NS, s, `${s}-${i}`, { attributes: {} }, ctx).writes);
  }
  return reg;
}

test('a snapshot and what is derived from it live exactly as long as the service revision', () => {
  const reg = world(['a']);
  const cache = new ViewCache();
  const s1 = cache.snapshot(reg, NS, 'a');
  assert.equal(cache.snapshot(reg, NS, 'a'), s1);
  assert.equal(s1.revision, reg.serviceRevision(NS, 'a'));
  assert.equal(s1.pool('HEALTHY'), s1.pool('HEALTHY'), 'pools are memoised');
  assert.equal(s1.pool('HEALTHY').length, 3);
  assert.equal(s1.labelIndex(), s1.labelIndex());
  assert.equal(s1.labelIndex().get('a-1')?.value.id, 'a-1');
  applyWrites(reg, [{ key: healthKey(NS, 'a', 'a-1'), value: { status: 'UNHEALTHY', reason: 'x', output: '', changedAtMs: 0, consecutiveFailures: 1, consecutiveSuccesses: 0 } }]);
  const s2 = cache.snapshot(reg, NS, 'a');
  assert.notEqual(s2, s1);
  assert.equal(s2.pool('HEALTHY').length, 2);
  assert.equal(s2.pool('UNHEALTHY').length, 1);
  assert.equal(cache.size, 1, 'a new revision replaces the entry');
});

test('encoded entries are made once per snapshot and view, position for position', () => {
  const reg = world(['a'], 4);
  const cache = new ViewCache();
  let calls = 0;
  const enc = (v: InstanceView) => (calls++, Buffer.from(v.value.id));
  const snap = cache.snapshot(reg, NS, 'a');
  const e = snap.encoded(enc);
  assert.deepEqual(e.map(String), snap.views.map((v) => v.value.id));
  assert.equal(snap.encoded(enc), e);
  assert.equal(calls, 4);
  const other = snap.encoded((v) => Buffer.from(v.value.id.toUpperCase()));
  assert.equal(String(other[0]), snap.views[0]!.value.id.toUpperCase(), 'another encoder gets its own encoding');
});

test('the cache is bounded by services: the least recently rebuilt goes first', () => {
  const reg = world(['a', 'b', 'c'], 1);
  const cache = new ViewCache(2);
  const a = cache.snapshot(reg, NS, 'a');
  cache.snapshot(reg, NS, 'b');
  cache.snapshot(reg, NS, 'c');
  assert.equal(cache.size, 2);
  const a2 = cache.snapshot(reg, NS, 'a');
  assert.notEqual(a2, a, 'evicted, so rebuilt');
  assert.deepEqual(a2.views.map((v) => v.value.id), ['a-0']);
  assert.equal(cache.size, 2);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../../../src/core/registry.js';
import { putInstance, putNamespace, putService } from '../../../src/core/commands.js';
import { discover, parseDiscoverQuery, ViewCache, type DiscoverQuery } from '../../../src/core/discovery.js';
import type { GrapevineError } from '../../../src/core/errors.js';
import { seededRandom } from '../../../src/core/gossip/types.js';
import { healthKey, instanceKey } from '../../../src/core/keys.js';
import type { HealthValue, InstanceValue } from '../../../src/core/types.js';
import { applyWrites } from './helpers.js';

const ctx = { node: 'n1', nowMs: 1000 };
const NS = 'd.internal';

function q(over: Partial<DiscoverQuery> = {}): DiscoverQuery {
  return { health: 'HEALTHY', max: 100, attrs: {}, optional: {}, ...over };
}
function health(status: 'HEALTHY' | 'UNHEALTHY'): HealthValue {
  return { status, reason: status === 'HEALTHY' ? 'CHECK_PASSING' : 'CHECK_FAILING', output: '', changedAtMs: 0, consecutiveFailures: 0, consecutiveSuccesses: 0 };
}

/** fleet builds a service with instances: spec maps id → [health, attributes, draining?]. */
function fleet(spec: Record<string, [('HEALTHY' | 'UNHEALTHY'), Record<string, string>, boolean?]>): Registry {
  const reg = new Registry();
  applyWrites(reg, putNamespace(reg, NS, { type: 'HTTP' }, ctx).writes);
  applyWrites(reg, putService(reg, NS, 's', {}, ctx).writes);
  for (const [id, [h, attrs, draining]] of Object.entries(spec)) {
    const r = putInstance(reg, NS, 's', id, { attributes: attrs }, ctx);
    if (draining) (r.value as InstanceValue).drainUntilMs = 5000;
    applyWrites(reg, [{ key: instanceKey(NS, 's', id), value: r.value }]);
    applyWrites(reg, [{ key: healthKey(NS, 's', id), value: health(h) }]);
  }
  return reg;
}
const ids = (reg: Registry, query: DiscoverQuery) => discover(reg, NS, 's', query, seededRandom(1)).instances.map((i) => i.id).sort();

test('health modes: HEALTHY, UNHEALTHY, ALL, HEALTHY_OR_ELSE_ALL; DRAINING hidden unless asked for ALL', () => {
  const reg = fleet({ a: ['HEALTHY', {}], b: ['UNHEALTHY', {}], c: ['HEALTHY', {}, true] });
  assert.deepEqual(ids(reg, q()), ['a']);
  assert.deepEqual(ids(reg, q({ health: 'UNHEALTHY' })), ['b']);
  assert.deepEqual(ids(reg, q({ health: 'ALL' })), ['a', 'b', 'c']);
  assert.deepEqual(ids(reg, q({ health: 'HEALTHY_OR_ELSE_ALL' })), ['a']);
  const sick = fleet({ b: ['UNHEALTHY', {}], d: ['UNHEALTHY', {}], c: ['HEALTHY', {}, true] });
  assert.deepEqual(ids(sick, q()), []);
  assert.deepEqual(ids(sick, q({ health: 'HEALTHY_OR_ELSE_ALL' })), ['b', 'd'], 'fails open, but not to draining instances');
  const res = discover(reg, NS, 's', q({ health: 'ALL' }), seededRandom(1));
  const c = res.instances.find((i) => i.id === 'c')!;
  assert.equal(c.health, 'DRAINING');
  assert.equal(c.healthReason, 'DRAINING');
  assert.equal(c.node, 'n1');
  assert.equal(res.revision, reg.serviceRevision(NS, 's'));
});

test('attr.* must all match; optional.* narrows only when something matches', () => {
  const reg = fleet({
    a: ['HEALTHY', { az: '1', v: '2' }],
    b: ['HEALTHY', { az: '1', v: '1' }],
    c: ['HEALTHY', { az: '2', v: '2' }],
    d: ['UNHEALTHY', { az: '3', v: '2' }],
  });
  assert.deepEqual(ids(reg, q({ attrs: { az: '1' } })), ['a', 'b']);
  assert.deepEqual(ids(reg, q({ attrs: { az: '1', v: '2' } })), ['a']);
  assert.deepEqual(ids(reg, q({ attrs: { az: '9' } })), []);
  assert.deepEqual(ids(reg, q({ optional: { v: '2' } })), ['a', 'c']);
  assert.deepEqual(ids(reg, q({ optional: { v: '9' } })), ['a', 'b', 'c'], 'no match: optional filter ignored');
  assert.deepEqual(ids(reg, q({ attrs: { az: '1' }, optional: { v: '1' } })), ['b']);
  // An optional match among unhealthy instances only does not empty a HEALTHY answer.
  assert.deepEqual(ids(reg, q({ optional: { az: '3' } })), ['a', 'b', 'c']);
  assert.deepEqual(ids(reg, q({ attrs: { az: '3' }, health: 'HEALTHY_OR_ELSE_ALL' })), ['d']);
});

test('max cuts the answer and sets truncated; results are shuffled by the injected Random', () => {
  const spec: Record<string, ['HEALTHY', Record<string, string>]> = {};
  for (let i = 0; i < 50; i++) spec[`i${i}`] = ['HEALTHY', {}];
  const reg = fleet(spec);
  const r = discover(reg, NS, 's', q({ max: 10 }), seededRandom(7));
  assert.equal(r.instances.length, 10);
  assert.equal(r.truncated, true);
  assert.equal(new Set(r.instances.map((i) => i.id)).size, 10);
  const all = discover(reg, NS, 's', q({ max: 50 }), seededRandom(7));
  assert.equal(all.truncated, false);
  assert.equal(all.instances.length, 50);
  const order = (seed: number) => discover(reg, NS, 's', q(), seededRandom(seed)).instances.map((i) => i.id).join();
  assert.equal(order(3), order(3), 'same seed, same order');
  assert.notEqual(order(3), order(4), 'different seed, different order');
  // Every instance can come first: the shuffle is not a rotation of a fixed order.
  const firsts = new Set<string>();
  const rnd = seededRandom(11);
  for (let i = 0; i < 2000; i++) firsts.add(discover(reg, NS, 's', q({ max: 1 }), rnd).instances[0]!.id);
  assert.equal(firsts.size, 50);
});

test('unknown namespace or service is an error; cache follows revisions', () => {
  const reg = fleet({ a: ['HEALTHY', {}] });
  assert.throws(() => discover(reg, 'x.internal', 's', q(), seededRandom(1)), (e: GrapevineError) => e.code === 'NamespaceNotFound');
  assert.throws(() => discover(reg, NS, 'nope', q(), seededRandom(1)), (e: GrapevineError) => e.code === 'ServiceNotFound');
  const cache = new ViewCache();
  const v1 = cache.views(reg, NS, 's');
  assert.equal(cache.views(reg, NS, 's'), v1);
  applyWrites(reg, [{ key: healthKey(NS, 's', 'a'), value: health('UNHEALTHY') }]);
  const v2 = cache.views(reg, NS, 's');
  assert.notEqual(v2, v1);
  assert.equal(v2[0]!.health, 'UNHEALTHY');
});

test('query parsing: defaults, bounds, unknown parameters refused', () => {
  assert.deepEqual(parseDiscoverQuery(new URLSearchParams('')), q());
  const p = parseDiscoverQuery(new URLSearchParams('health=ALL&max=1000&attr.az=1&optional.v=2&index=3&wait=1s'));
  assert.deepEqual(p, q({ health: 'ALL', max: 1000, attrs: { az: '1' }, optional: { v: '2' } }));
  for (const bad of ['health=SICK', 'max=0', 'max=1001', 'max=abc', 'foo=1', 'attr.=x']) {
    assert.throws(() => parseDiscoverQuery(new URLSearchParams(bad)), (e: GrapevineError) => e.code === 'InvalidInput', bad);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../../../src/core/registry.js';
import {
  deleteInstance,
  deleteNamespace,
  deleteService,
  putInstance,
  putNamespace,
  putService,
  requireCustomCheck,
} from '../../../src/core/commands.js';
import { GrapevineError } from '../../../src/core/errors.js';
import { healthKey } from '../../../src/core/keys.js';
import { applyWrites } from './helpers.js';

const ctx = { node: 'n1', nowMs: 1000 };

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof GrapevineError);
    return e.code;
  }
  return 'none';
}

function seeded(): Registry {
  const reg = new Registry();
  applyWrites(reg, putNamespace(reg, 'prod.internal', { type: 'DNS' }, ctx).writes);
  applyWrites(reg, putService(reg, 'prod.internal', 'web', {}, ctx).writes);
  return reg;
}

test('namespace create, idempotent re-put, update, type conflict, delete', () => {
  const reg = new Registry();
  const r = putNamespace(reg, 'Prod.Internal', { type: 'DNS' }, ctx);
  assert.equal(r.created, true);
  assert.equal(r.value.name, 'prod.internal');
  applyWrites(reg, r.writes);
  assert.deepEqual(putNamespace(reg, 'prod.internal', { type: 'DNS' }, { ...ctx, nowMs: 5 }).writes, []);
  const upd = putNamespace(reg, 'prod.internal', { type: 'DNS', description: 'x' }, ctx);
  assert.equal(upd.writes.length, 1);
  assert.equal(upd.created, false);
  assert.equal(code(() => putNamespace(reg, 'prod.internal', { type: 'HTTP' }, ctx)), 'NamespaceAlreadyExists');
  assert.deepEqual(deleteNamespace(reg, 'prod.internal'), [{ key: 'n|prod.internal', value: null }]);
  assert.equal(code(() => deleteNamespace(reg, 'nope.internal')), 'NamespaceNotFound');
});

test('service needs its namespace; a namespace with services is ResourceInUse', () => {
  const reg = seeded();
  assert.equal(code(() => putService(reg, 'nope.internal', 'web', {}, ctx)), 'NamespaceNotFound');
  assert.equal(code(() => deleteNamespace(reg, 'prod.internal')), 'ResourceInUse');
  assert.equal(code(() => deleteService(reg, 'prod.internal', 'api')), 'ServiceNotFound');
  assert.deepEqual(putService(reg, 'prod.internal', 'web', {}, ctx).writes, []);
  assert.equal(code(() => putService(reg, 'prod.internal', 'web', { bogus: 1 }, ctx)), 'InvalidInput');
});

test('instance upsert: owner is the writing node, unchanged re-put writes nothing', () => {
  const reg = seeded();
  const body = { attributes: { ipv4: '10.0.0.1', port: '80' } };
  assert.equal(code(() => putInstance(reg, 'prod.internal', 'api', 'i1', body, ctx)), 'ServiceNotFound');
  assert.equal(code(() => putInstance(reg, 'x.internal', 'web', 'i1', body, ctx)), 'NamespaceNotFound');
  assert.equal(code(() => putInstance(reg, 'prod.internal', 'web', 'i 1', body, ctx)), 'InvalidInput');
  assert.equal(code(() => putInstance(reg, 'prod.internal', 'web', 'i1', { attributes: { port: '80' } }, ctx)), 'InvalidInput');
  const r = putInstance(reg, 'prod.internal', 'web', 'i1', body, ctx);
  assert.equal(r.created, true);
  assert.equal(r.writes.length, 1);
  assert.equal(r.value.owner, 'n1');
  applyWrites(reg, r.writes);
  assert.deepEqual(putInstance(reg, 'prod.internal', 'web', 'i1', body, { ...ctx, nowMs: 99 }).writes, []);
  const other = putInstance(reg, 'prod.internal', 'web', 'i1', body, { node: 'n2', nowMs: 99 });
  assert.equal(other.writes.length, 1, 'another node taking the registration becomes its owner');
  assert.equal(other.value.registeredAtMs, 1000);
  assert.equal(code(() => deleteService(reg, 'prod.internal', 'web')), 'ResourceInUse');
});

test('service shape is fixed while instances exist', () => {
  const reg = seeded();
  applyWrites(reg, putInstance(reg, 'prod.internal', 'web', 'i1', { attributes: { ipv4: '10.0.0.1', port: '80' } }, ctx).writes);
  assert.equal(code(() => putService(reg, 'prod.internal', 'web', { dns: { records: [{ type: 'A' }] } }, ctx)), 'ServiceAlreadyExists');
  assert.equal(putService(reg, 'prod.internal', 'web', { description: 'new' }, ctx).writes.length, 1);
});

test('deregister removes the instance and its health record', () => {
  const reg = seeded();
  applyWrites(reg, putInstance(reg, 'prod.internal', 'web', 'i1', { attributes: { ipv4: '10.0.0.1', port: '80' } }, ctx).writes);
  assert.equal(deleteInstance(reg, 'prod.internal', 'web', 'i1').length, 1);
  applyWrites(reg, [{ key: healthKey('prod.internal', 'web', 'i1'), value: { status: 'HEALTHY', reason: 'x', output: '', changedAtMs: 0, consecutiveFailures: 0, consecutiveSuccesses: 1 } }]);
  const w = deleteInstance(reg, 'prod.internal', 'web', 'i1');
  assert.deepEqual(w.map((x) => x.value), [null, null]);
  applyWrites(reg, w);
  assert.equal(code(() => deleteInstance(reg, 'prod.internal', 'web', 'i1')), 'InstanceNotFound');
});

test('custom health only on services with a CUSTOM check', () => {
  const reg = seeded();
  applyWrites(reg, putInstance(reg, 'prod.internal', 'web', 'i1', { attributes: { ipv4: '10.0.0.1', port: '80' } }, ctx).writes);
  assert.equal(code(() => requireCustomCheck(reg, 'prod.internal', 'web', 'i1')), 'CustomHealthNotFound');
  assert.equal(code(() => requireCustomCheck(reg, 'prod.internal', 'web', 'nope')), 'InstanceNotFound');
  applyWrites(reg, putService(reg, 'prod.internal', 'c', { healthCheck: { type: 'CUSTOM' } }, ctx).writes);
  applyWrites(reg, putInstance(reg, 'prod.internal', 'c', 'i1', { attributes: { ipv4: '10.0.0.1', port: '80' } }, ctx).writes);
  assert.equal(requireCustomCheck(reg, 'prod.internal', 'c', 'i1').id, 'i1');
});

test('the native API takes AWS_INSTANCE_* attributes as the reserved ones, reads them back as given, and filters on either name', async () => {
  const { parseDiscoverQuery, toDiscovered } = await import('../../../src/core/discovery.js');
  const reg = seeded();
  const r = putInstance(reg, 'prod.internal', 'web', 'aws-1', { attributes: { AWS_INSTANCE_IPV4: '10.0.0.7', AWS_INSTANCE_PORT: '8080', az: 'a' } }, ctx);
  assert.deepEqual(r.value.attributes, { ipv4: '10.0.0.7', port: '8080', az: 'a' }, 'stored under the native names, so DNS and checks use them');
  assert.deepEqual(r.value.awsKeys, ['ipv4', 'port']);
  applyWrites(reg, r.writes);
  const view = reg.instance('prod.internal', 'web', 'aws-1')!;
  assert.deepEqual(toDiscovered(view).attributes, { AWS_INSTANCE_IPV4: '10.0.0.7', AWS_INSTANCE_PORT: '8080', az: 'a' }, 'reads back exactly as registered');
  assert.deepEqual(parseDiscoverQuery([['attr.AWS_INSTANCE_IPV4', '10.0.0.7']]).attrs, { ipv4: '10.0.0.7' });
  assert.equal(code(() => putInstance(reg, 'prod.internal', 'web', 'aws-2', { attributes: { AWS_INSTANCE_IPV4: '10.0.0.8', ipv4: '10.0.0.9' } }, ctx)), 'InvalidInput');
  assert.equal(code(() => putInstance(reg, 'prod.internal', 'web', 'aws-3', { attributes: { AWS_INSTANCE_IPV4: 'not-an-ip' } }, ctx)), 'InvalidInput');
});

test('a __proto__ key next to an AWS_INSTANCE_* key is still refused by name', () => {
  const reg = seeded();
  const body = JSON.parse('{"attributes": {"AWS_INSTANCE_IPV4": "10.0.0.1", "__proto__": "x"}}');
  assert.throws(() => putInstance(reg, 'prod.internal', 'web', 'p1', body, ctx), /attributes\.__proto__/);
});

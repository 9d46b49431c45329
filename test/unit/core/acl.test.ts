import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Authorizer, validateRules, validateTokenBody } from '../../../src/core/acl.js';
import { GrapevineError } from '../../../src/core/errors.js';
import { tokenKey } from '../../../src/core/keys.js';
import { Registry } from '../../../src/core/registry.js';
import { validateRecord } from '../../../src/core/replication/validate.js';

const ACCESSOR = '0b0e2c4c-6a2e-4c1e-9d1a-1f2e3d4c5b6a';
const HASH = 'a'.repeat(64);

test('token matrix: read, write, namespace prefix, service over namespace, agent, acl, deny, anonymous', () => {
  const read = new Authorizer(validateRules([{ resource: 'namespace', name: 'prod.internal', access: 'read' }]), 'deny');
  assert.equal(read.namespace('prod.internal', 'read'), true);
  assert.equal(read.namespace('prod.internal', 'write'), false);
  assert.equal(read.service('prod.internal', 'web', 'read'), true, 'a namespace rule covers its services');
  assert.equal(read.service('prod.internal', 'web', 'write'), false);
  assert.equal(read.namespace('other.internal', 'read'), false);

  const write = new Authorizer(validateRules([{ resource: 'namespace', name: 'prod.internal', access: 'write' }]), 'deny');
  assert.equal(write.service('prod.internal', 'web', 'write'), true);
  assert.equal(write.agent('read'), false);
  assert.equal(write.acl('read'), false);

  const prefix = new Authorizer(validateRules([
    { resource: 'namespace', name: 'team-', prefix: true, access: 'write' },
    { resource: 'namespace', name: 'team-secret', prefix: true, access: 'deny' },
  ]), 'deny');
  assert.equal(prefix.namespace('team-a.internal', 'write'), true);
  assert.equal(prefix.namespace('team-secret.internal', 'read'), false, 'the longer prefix wins');
  assert.equal(prefix.namespace('prod.internal', 'read'), false);

  const svc = new Authorizer(validateRules([
    { resource: 'namespace', name: 'prod.internal', access: 'read' },
    { resource: 'service', name: 'web', access: 'write' },
    { resource: 'service', name: 'db', access: 'deny' },
  ]), 'deny');
  assert.equal(svc.service('prod.internal', 'web', 'write'), true, 'a service rule beats the namespace rule');
  assert.equal(svc.service('prod.internal', 'db', 'read'), false);
  assert.equal(svc.service('prod.internal', 'api', 'read'), true);

  const agent = new Authorizer(validateRules([{ resource: 'agent', access: 'write' }]), 'deny');
  assert.equal(agent.agent('write'), true);
  assert.equal(agent.namespace('prod.internal', 'read'), false);

  const acl = new Authorizer(validateRules([{ resource: 'acl', access: 'write' }]), 'deny');
  assert.equal(acl.acl('write'), true);
  assert.equal(acl.agent('read'), false);

  const anonDeny = new Authorizer([], 'deny');
  assert.equal(anonDeny.namespace('prod.internal', 'read'), false);
  assert.equal(anonDeny.agent('read'), false);
  const anonAllow = new Authorizer([], 'allow');
  assert.equal(anonAllow.service('prod.internal', 'web', 'write'), true);
  assert.equal(anonAllow.agent('write'), true);
  assert.equal(anonAllow.acl('read'), false, 'token management always takes an explicit rule');
  const denyUnderAllow = new Authorizer(validateRules([{ resource: 'namespace', name: 'prod.internal', access: 'deny' }]), 'allow');
  assert.equal(denyUnderAllow.namespace('prod.internal', 'read'), false);
  assert.equal(denyUnderAllow.namespace('dev.internal', 'write'), true);

  const mgmt = new Authorizer([], 'deny', true);
  assert.equal(mgmt.acl('write') && mgmt.agent('write') && mgmt.service('a', 'b', 'write'), true);
});

test('rules are validated as API input, naming the field', () => {
  const bad: [unknown, RegExp][] = [
    [{ rules: 'x' }, /^rules: must be a list/],
    [{ rules: [{ resource: 'node', access: 'read' }] }, /^rules\[0\]\.resource/],
    [{ rules: [{ resource: 'namespace', access: 'admin', name: 'a' }] }, /^rules\[0\]\.access/],
    [{ rules: [{ resource: 'namespace', access: 'read' }] }, /^rules\[0\]\.name: is required/],
    [{ rules: [{ resource: 'agent', name: 'x', access: 'read' }] }, /^rules\[0\]\.name/],
    [{ rules: [{ resource: 'service', name: 'web', access: 'read', extra: 1 }] }, /extra/],
    [{ rules: Array.from({ length: 65 }, () => ({ resource: 'agent', access: 'read' })) }, /at most 64/],
  ];
  for (const [body, re] of bad) {
    assert.throws(() => validateTokenBody(body), (e: unknown) => e instanceof GrapevineError && e.code === 'InvalidInput' && re.test(e.message), JSON.stringify(body).slice(0, 80));
  }
});

test('token records: a valid one replicates and is found by its secret hash; a bad one from a peer is dropped', () => {
  const value = { accessorId: ACCESSOR, secretHash: HASH, description: 'ci', rules: [{ resource: 'agent', access: 'read' }], createdAtMs: 1 };
  const rec = validateRecord({ key: tokenKey(ACCESSOR), value, hlc: 10, node: 'n1', seq: 1 }, 0);
  assert.ok(rec);
  const reg = new Registry();
  const gen = reg.tokenGeneration;
  reg.apply(rec);
  assert.equal(reg.tokenBySecretHash(HASH)?.accessorId, ACCESSOR);
  assert.ok(reg.tokenGeneration > gen);
  assert.equal(reg.namespaces().length, 0, 'a token is no namespace');
  reg.apply({ key: tokenKey(ACCESSOR), value: null, hlc: 11, node: 'n1', seq: 2 });
  assert.equal(reg.tokenBySecretHash(HASH), undefined);
  assert.deepEqual(reg.tokens(), []);

  const drops = [
    { ...value, accessorId: '0b0e2c4c-6a2e-4c1e-9d1a-000000000000' }, // disagrees with its key
    { ...value, secretHash: 'plain-secret' }, // not a hash: secrets never travel
    { ...value, rules: [{ resource: 'namespace', access: 'write' }] },
    { ...value, extra: true },
  ];
  for (const v of drops) assert.equal(validateRecord({ key: tokenKey(ACCESSOR), value: v, hlc: 10, node: 'n1', seq: 1 }, 0), undefined, JSON.stringify(v));
  assert.equal(validateRecord({ key: 't|not-a-uuid', value: { ...value, accessorId: 'not-a-uuid' }, hlc: 10, node: 'n1', seq: 1 }, 0), undefined);
});

test('token records with an AWS key pair: whole and well-formed replicates; half a pair or a bad form is dropped', () => {
  const value = { accessorId: ACCESSOR, secretHash: HASH, description: 'sdk', rules: [], createdAtMs: 1, awsAccessKeyId: 'GVAKABCDEFGHIJKLMNOP', awsSecretAccessKey: 'a'.repeat(36) + '+/9Z' };
  const rec = validateRecord({ key: tokenKey(ACCESSOR), value, hlc: 10, node: 'n1', seq: 1 }, 0);
  assert.deepEqual(rec?.value, value);
  const { awsSecretAccessKey: _s, ...noSecret } = value;
  const { awsAccessKeyId: _k, ...noKey } = value;
  const drops = [
    noSecret,
    noKey,
    { ...value, awsAccessKeyId: 'gvakabcdefghijklmnop' },
    { ...value, awsAccessKeyId: 'GVAK' },
    { ...value, awsSecretAccessKey: 'short' },
    { ...value, awsSecretAccessKey: 'a'.repeat(39) + ' ' },
    { ...value, awsSecretAccessKey: 42 },
  ];
  for (const v of drops) assert.equal(validateRecord({ key: tokenKey(ACCESSOR), value: v, hlc: 10, node: 'n1', seq: 1 }, 0), undefined, JSON.stringify(v));
});

test('validateTokenBody: awsAccessKey is true or false', () => {
  assert.equal(validateTokenBody({ rules: [], awsAccessKey: true }).awsAccessKey, true);
  assert.equal(validateTokenBody({ rules: [] }).awsAccessKey, false);
  assert.throws(() => validateTokenBody({ rules: [], awsAccessKey: 'yes' }), /awsAccessKey/);
});

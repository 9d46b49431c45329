import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../../../src/core/registry.js';
import { stateDigest } from '../../../src/core/state-digest.js';

const ns = (name: string, hlc: number, value: unknown = { name, type: 'HTTP', description: '', soaTtl: 15, createdAtMs: 0 }) => ({ key: `n|${name}`, value, hlc, node: 'a', seq: hlc });

test('stateDigest is equal for equal states whatever the order of arrival, and follows every change', () => {
  const a = new Registry();
  const b = new Registry();
  a.apply(ns('x', 1));
  a.apply(ns('y', 2));
  b.apply(ns('y', 2));
  b.apply(ns('x', 1));
  assert.equal(stateDigest(a), stateDigest(b));
  const before = stateDigest(a);
  a.apply(ns('x', 3, null));
  const deleted = stateDigest(a);
  assert.notEqual(deleted, before, 'a delete changes the digest');
  a.remove('n|x');
  assert.notEqual(stateDigest(a), deleted, 'collecting a tombstone changes it too (the memo must not hide it)');
  b.apply(ns('x', 3, null));
  b.remove('n|x');
  assert.equal(stateDigest(a), stateDigest(b));
  b.drop('n|y');
  assert.notEqual(stateDigest(a), stateDigest(b), 'dropping a live record changes it');
});

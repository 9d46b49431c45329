import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDiscoverQuery } from '../../../src/core/discovery.js';
import { GrapevineError } from '../../../src/core/errors.js';
import { validateAttributes, validateInstanceId } from '../../../src/core/validate.js';

const msg = (fn: () => unknown) => {
  try {
    fn();
    return 'none';
  } catch (e) {
    assert.ok(e instanceof GrapevineError);
    assert.equal(e.code, 'InvalidInput');
    return e.message;
  }
};

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];

test('attribute keys that reach Object.prototype are refused by name (a JSON body can carry __proto__ as an own key)', () => {
  for (const k of PROTO_KEYS) {
    const body = JSON.parse(`{"ipv4": "10.0.0.1", "${k}": "x"}`) as unknown;
    assert.match(msg(() => validateAttributes(body)), new RegExp(`^attributes\\.${k}: `));
    assert.match(msg(() => validateAttributes(body, 'registrations[0].attributes')), new RegExp(`^registrations\\[0\\]\\.attributes\\.${k}: `));
  }
  // Near misses are ordinary keys.
  assert.deepEqual(validateAttributes({ proto: 'a', Constructor: 'b', __proto: 'c' }), { proto: 'a', Constructor: 'b', __proto: 'c' });
});

test('attr. and optional. filters with those keys are refused by name', () => {
  for (const k of PROTO_KEYS) {
    assert.match(msg(() => parseDiscoverQuery(new URLSearchParams(`attr.${k}=x`))), new RegExp(`^attr\\.${k}: `));
    assert.match(msg(() => parseDiscoverQuery(new URLSearchParams(`optional.${k}=x`))), new RegExp(`^optional\\.${k}: `));
  }
  assert.match(msg(() => parseDiscoverQuery(new URLSearchParams('attr.=x'))), /^attr\.: /);
  assert.deepEqual(parseDiscoverQuery(new URLSearchParams('attr.version=2')).attrs, { version: '2' });
});

test('the instance ids "." and ".." are refused; other ids with dots are fine', () => {
  assert.match(msg(() => validateInstanceId('.')), /^id: /);
  assert.match(msg(() => validateInstanceId('..', 'registrations[3].id')), /^registrations\[3\]\.id: /);
  for (const id of ['...', '.a', 'a..b', '10.0.0.1:80']) assert.equal(validateInstanceId(id), id);
});

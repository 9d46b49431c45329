import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router } from '../../../src/http/router.js';
import { parseDuration, parseIndex, parseWaitMs } from '../../../src/http/params.js';
import type { GrapevineError } from '../../../src/core/errors.js';

const h = () => ({ body: {} });
const code = (fn: () => unknown) => {
  try {
    fn();
    return 'none';
  } catch (e) {
    return (e as GrapevineError).code;
  }
};

test('router: literal beats parameter, %2F stays inside one parameter, 404 vs 405', () => {
  const r = new Router().add([
    { method: 'GET', path: '/v1/namespaces/:ns', handler: h },
    { method: 'GET', path: '/v1/namespaces/:ns/services/:svc/instances/:id', handler: h },
    { method: 'GET', path: '/v1/status', handler: h },
  ]);
  assert.deepEqual(r.match('GET', '/v1/namespaces/a.b').params, { ns: 'a.b' });
  assert.deepEqual(r.match('GET', '/v1/namespaces/a/services/s/instances/pod%2F1').params, { ns: 'a', svc: 's', id: 'pod/1' });
  assert.equal(code(() => r.match('GET', '/v1/nope')), 'NotFound');
  assert.equal(code(() => r.match('DELETE', '/v1/status')), 'MethodNotAllowed');
  assert.equal(code(() => r.match('GET', '/v1/namespaces/%E0%A4%A')), 'InvalidInput');
  assert.throws(() => new Router().add([{ method: 'GET', path: '/a', handler: h }, { method: 'GET', path: '/a', handler: h }]));
});

test('durations and blocking parameters', () => {
  assert.equal(parseDuration('500ms', 'wait'), 500);
  assert.equal(parseDuration('30s', 'wait'), 30_000);
  assert.equal(parseDuration('1m', 'wait'), 60_000);
  assert.equal(parseWaitMs('10m'), 600_000);
  assert.equal(parseWaitMs(null), 300_000);
  assert.equal(code(() => parseWaitMs('11m')), 'InvalidInput');
  assert.equal(code(() => parseWaitMs('30')), 'InvalidInput');
  assert.equal(parseIndex(null), null);
  assert.equal(parseIndex('42'), 42);
  assert.equal(code(() => parseIndex('-1')), 'InvalidInput');
});

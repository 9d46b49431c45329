import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GrapevineError } from '../../../../src/core/errors.js';
import * as health from '../../../../src/core/health/validate.js';
import { MAX_DRAIN_MS } from '../../../../src/core/health/lifecycle.js';
import * as validate from '../../../../src/core/validate.js';

/** throwsField asserts that fn throws InvalidInput whose message names the field. */
function throwsField(fn: () => unknown, field: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof GrapevineError, `expected GrapevineError, got ${e}`);
    assert.equal(e.code, 'InvalidInput');
    assert.ok(e.message.startsWith(`${field}:`), `message "${e.message}" should name ${field}`);
    return true;
  });
}

test('core/validate re-exports the health validators under their names, so every layer uses the same ones', () => {
  for (const name of ['validateHealthCheck', 'validateHealthCheckOverride', 'effectiveCheck', 'validateHealthStatus', 'validateHeartbeatBody', 'validateCustomHealthBody', 'validateDrainMs'] as const) {
    assert.equal(validate[name], health[name], name);
  }
  assert.equal(validate.MAX_NOTE_CHARS, 4096);
  assert.equal(validate.MAX_DRAIN_MS, MAX_DRAIN_MS);
  assert.equal(validate.MIN_CHECK_INTERVAL_MS, 1000);
});

test('a status is HEALTHY or UNHEALTHY, nothing else', () => {
  assert.equal(health.validateHealthStatus('HEALTHY'), 'HEALTHY');
  assert.equal(health.validateHealthStatus('UNHEALTHY'), 'UNHEALTHY');
  for (const bad of ['healthy', 'DRAINING', '', null, undefined, 1]) throwsField(() => health.validateHealthStatus(bad), 'status');
  throwsField(() => health.validateHealthStatus('MAYBE', 'body.status'), 'body.status');
});

test('a heartbeat body has an optional status and a bounded note', () => {
  assert.deepEqual(health.validateHeartbeatBody(undefined), {});
  assert.deepEqual(health.validateHeartbeatBody({}), {});
  assert.deepEqual(health.validateHeartbeatBody({ status: undefined, note: undefined }), {});
  assert.deepEqual(health.validateHeartbeatBody({ status: 'UNHEALTHY', note: 'disk full' }), { status: 'UNHEALTHY', note: 'disk full' });
  assert.deepEqual(health.validateHeartbeatBody({ note: 'x'.repeat(health.MAX_NOTE_CHARS) }).note?.length, health.MAX_NOTE_CHARS);
  throwsField(() => health.validateHeartbeatBody({ note: 'x'.repeat(health.MAX_NOTE_CHARS + 1) }), 'note');
  throwsField(() => health.validateHeartbeatBody({ note: 42 }), 'note');
  throwsField(() => health.validateHeartbeatBody({ status: 'OK' }), 'status');
  throwsField(() => health.validateHeartbeatBody({ ttl: 5 }), 'ttl');
  throwsField(() => health.validateHeartbeatBody('HEALTHY'), '');
});

test('a custom-health body needs a status', () => {
  assert.deepEqual(health.validateCustomHealthBody({ status: 'HEALTHY' }), { status: 'HEALTHY' });
  throwsField(() => health.validateCustomHealthBody({}), 'status');
  throwsField(() => health.validateCustomHealthBody({ status: 'HEALTHY', note: 'x' }), 'note');
  throwsField(() => health.validateCustomHealthBody(undefined), '');
});

test('a drain lasts a whole number of milliseconds, at most one day; more is refused, not clamped', () => {
  assert.equal(health.validateDrainMs(0), 0);
  assert.equal(health.validateDrainMs(30_000), 30_000);
  assert.equal(health.validateDrainMs(MAX_DRAIN_MS), MAX_DRAIN_MS);
  for (const bad of [-1, 1.5, NaN, Infinity, MAX_DRAIN_MS + 1, '1000', null]) throwsField(() => health.validateDrainMs(bad), 'drainMs');
});

test('check configs: defaults agree with the effective config the owner runs', () => {
  const v = health.validateHealthCheck({ type: 'TCP' });
  assert.equal(v.intervalMs, 10_000);
  assert.equal(v.timeoutMs, 2_000);
  assert.equal(v.failureThreshold, 3);
  assert.equal(v.successThreshold, 1);
  throwsField(() => health.validateHealthCheck({ type: 'TTL', ttlMs: health.MIN_TTL_MS - 1 }), 'healthCheck.ttlMs');
  throwsField(() => health.validateHealthCheck({ type: 'TTL', ttlMs: health.MAX_TTL_MS + 1 }), 'healthCheck.ttlMs');
  throwsField(() => health.validateHealthCheck({ type: 'HTTP', intervalMs: health.MAX_CHECK_INTERVAL_MS + 1 }), 'healthCheck.intervalMs');
});

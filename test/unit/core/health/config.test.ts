import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_HEALTH_CHECK, effectiveCheckConfig, isActiveCheck } from '../../../../src/core/health/config.js';
import { autoDeregisterAtMs, drainDeadlineMs, drainedInstance, MAX_DRAIN_MS, ttlDeadlineMs } from '../../../../src/core/health/lifecycle.js';
import { MAX_OUTPUT_BYTES, truncateOutput } from '../../../../src/core/health/output.js';
import { delayUntilMs, firstCheckDelayMs, nextCheckDelayMs } from '../../../../src/core/health/schedule.js';
import { seededRandom } from '../../../../src/core/gossip/types.js';
import type { HealthCheckConfig, InstanceValue } from '../../../../src/core/types.js';

const http: HealthCheckConfig = { type: 'HTTP', path: '/health', intervalMs: 5000, timeoutMs: 1000, failureThreshold: 2, successThreshold: 2 };

describe('effective check config', () => {
  it('no check anywhere is null', () => {
    assert.equal(effectiveCheckConfig({ healthCheck: null }, {}), null);
    assert.equal(effectiveCheckConfig(undefined, {}), null);
  });
  it('takes the service config and lets the instance override fields', () => {
    const e = effectiveCheckConfig({ healthCheck: http }, { healthCheck: { intervalMs: 2000, path: '/ready' } })!;
    assert.equal(e.type, 'HTTP');
    assert.equal(e.intervalMs, 2000);
    assert.equal(e.path, '/ready');
    assert.equal(e.failureThreshold, 2);
  });
  it('an override of the type drops the service type-specific fields', () => {
    const e = effectiveCheckConfig({ healthCheck: http }, { healthCheck: { type: 'TCP' } })!;
    assert.equal(e.type, 'TCP');
    assert.equal(e.path, undefined);
  });
  it('an instance override alone gets the defaults', () => {
    const e = effectiveCheckConfig({ healthCheck: null }, { healthCheck: { type: 'TTL', ttlMs: 3000 } })!;
    assert.equal(e.ttlMs, 3000);
    assert.equal(e.intervalMs, DEFAULT_HEALTH_CHECK.intervalMs);
    assert.equal(e.failureThreshold, 3);
    assert.equal(e.successThreshold, 1);
  });
  it('HTTP without a path checks /', () => {
    assert.equal(effectiveCheckConfig({ healthCheck: { ...http, path: undefined } }, {})!.path, '/');
  });
  it('bounds nonsense that arrived by gossip instead of spinning on it', () => {
    const e = effectiveCheckConfig({ healthCheck: { ...http, intervalMs: 1, timeoutMs: 99_999, failureThreshold: 0, successThreshold: -3 } }, {})!;
    assert.equal(e.intervalMs, 1000);
    assert.equal(e.timeoutMs, 1000);
    assert.equal(e.failureThreshold, 1);
    assert.equal(e.successThreshold, 1);
  });
  it('knows which checks probe the target', () => {
    assert.deepEqual(['HTTP', 'HTTPS', 'TCP', 'TTL', 'CUSTOM'].map((t) => isActiveCheck(t as never)), [true, true, true, false, false]);
  });
});

describe('output truncation', () => {
  it('keeps short output as is', () => assert.equal(truncateOutput('ok'), 'ok'));
  it('cuts ASCII at 4096 bytes', () => assert.equal(truncateOutput('a'.repeat(5000)).length, MAX_OUTPUT_BYTES));
  it('never splits a multi-byte character', () => {
    for (const ch of ['é', '€', '😀']) {
      const out = truncateOutput(ch.repeat(3000));
      const bytes = new TextEncoder().encode(out).length;
      assert.ok(bytes <= MAX_OUTPUT_BYTES && bytes > MAX_OUTPUT_BYTES - 4, `${ch}: ${bytes}`);
      assert.ok(!out.includes('\uFFFD'));
      assert.equal(out, ch.repeat([...out].length));
    }
  });
});

describe('schedule', () => {
  it('a new registration is checked at once; a restart spreads first checks over one interval', () => {
    const r = seededRandom(1);
    assert.equal(firstCheckDelayMs(10_000, false, r), 0);
    const delays = Array.from({ length: 1000 }, () => firstCheckDelayMs(10_000, true, r));
    assert.ok(delays.every((d) => d >= 0 && d < 10_000));
    const buckets = new Set(delays.map((d) => Math.floor(d / 1000)));
    assert.equal(buckets.size, 10); // spread over the whole interval, not a burst
  });
  it('periods are jittered downwards only, within 10%', () => {
    const r = seededRandom(2);
    const ps = Array.from({ length: 1000 }, () => nextCheckDelayMs(1000, r));
    assert.ok(ps.every((p) => p > 900 && p <= 1000));
    assert.ok(new Set(ps).size > 50);
  });
  it('overdue deadlines run at once', () => {
    assert.equal(delayUntilMs(100, 200), 0);
    assert.equal(delayUntilMs(300, 200), 100);
  });
});

describe('lifecycle deadlines', () => {
  const inst: InstanceValue = { namespace: 'n', service: 's', id: 'i', attributes: {}, owner: 'a', registeredAtMs: 0 };
  it('TTL deadline is the last heartbeat plus ttlMs', () => assert.equal(ttlDeadlineMs(1000, { ttlMs: 500 }), 1500));
  it('drain sets a deadline, keeps an earlier one, and is bounded', () => {
    assert.equal(drainDeadlineMs(inst), undefined);
    const d = drainedInstance(inst, 3000, 1000);
    assert.equal(drainDeadlineMs(d), 4000);
    assert.equal(drainedInstance(d, 60_000, 2000).drainUntilMs, 4000);
    assert.equal(drainedInstance(d, 100, 2000).drainUntilMs, 2100);
    assert.equal(drainedInstance(inst, 1e15, 0).drainUntilMs, MAX_DRAIN_MS);
    assert.equal(drainedInstance(inst, -5, 10).drainUntilMs, 10);
  });
  it('auto-deregistration applies only to UNHEALTHY instances of services that ask for it', () => {
    assert.equal(autoDeregisterAtMs({ deregisterAfterUnhealthyMs: 5000 }, 'UNHEALTHY', 1000), 6000);
    assert.equal(autoDeregisterAtMs({ deregisterAfterUnhealthyMs: 5000 }, 'HEALTHY', 1000), undefined);
    assert.equal(autoDeregisterAtMs({}, 'UNHEALTHY', 1000), undefined);
    assert.equal(autoDeregisterAtMs(undefined, 'UNHEALTHY', 1000), undefined);
  });
});

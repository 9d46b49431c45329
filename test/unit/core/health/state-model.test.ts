import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { applyCheckResult, initialState, shouldReplicate } from '../../../../src/core/health/state.js';
import type { HealthCheckConfig, HealthStatus } from '../../../../src/core/types.js';

/**
 * modelStatus is the naive statement of the threshold rule: look at the trailing run
 * of equal results; if it is long enough for its threshold, it decides; otherwise
 * the status is whatever the history before that run decided (initially UNHEALTHY).
 */
function modelStatus(results: boolean[], ft: number, st: number): HealthStatus {
  let status: HealthStatus = 'UNHEALTHY';
  let run = 0;
  for (let i = 0; i < results.length; i++) {
    run = i > 0 && results[i] === results[i - 1] ? run + 1 : 1;
    if (results[i] && run >= st) status = 'HEALTHY';
    if (!results[i] && run >= ft) status = 'UNHEALTHY';
  }
  return status;
}

describe('threshold state machine against a naive model', () => {
  it('agrees on the status after every run, and replicates exactly the status changes', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 200 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 10 }), (results, ft, st) => {
        const cfg: HealthCheckConfig = { type: 'HTTP', intervalMs: 1000, timeoutMs: 500, failureThreshold: ft, successThreshold: st };
        let s = initialState(cfg, { attributes: {}, registeredAtMs: 0 });
        let stored: { status: HealthStatus } | undefined;
        let lastWritten: HealthStatus = 'UNHEALTHY';
        for (let i = 0; i < results.length; i++) {
          s = applyCheckResult(s, { ok: results[i], output: '' }, cfg, i).state;
          assert.equal(s.status, modelStatus(results.slice(0, i + 1), ft, st));
          if (shouldReplicate(stored, s, 'UNHEALTHY', cfg)) {
            // Every write after the first is a real change of the replicated status.
            if (stored) assert.notEqual(s.status, lastWritten);
            stored = { status: s.status };
            lastWritten = s.status;
          }
          // What other nodes see (the replicated status, or the initial one) lags the owner by nothing.
          assert.equal(stored?.status ?? 'UNHEALTHY', s.status);
        }
      }),
      { numRuns: 500 },
    );
  });
});

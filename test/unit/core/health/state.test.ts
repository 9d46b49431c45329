import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyCheckResult,
  applySetStatus,
  HEALTH_REASON,
  initialState,
  initialStatus,
  shouldReplicate,
  stateFromRecord,
  toHealthValue,
} from '../../../../src/core/health/state.js';
import type { HealthCheckConfig, HealthCheckType, HealthValue } from '../../../../src/core/types.js';

function cfg(type: HealthCheckType, failureThreshold = 3, successThreshold = 1): HealthCheckConfig {
  return { type, intervalMs: 1000, timeoutMs: 500, failureThreshold, successThreshold, ttlMs: 2000 };
}

/** run folds a sequence of pass (P) / fail (F) runs into the state, returning the status after each run. */
function run(start: HealthValue, seq: string, c: HealthCheckConfig): { statuses: string; changes: number; end: HealthValue } {
  let s = start;
  let statuses = '';
  let changes = 0;
  let t = 1000;
  for (const ch of seq) {
    const tr = applyCheckResult(s, { ok: ch === 'P', output: ch }, c, (t += 1000));
    if (tr.statusChanged) changes++;
    s = tr.state;
    statuses += s.status === 'HEALTHY' ? 'H' : 'U';
  }
  return { statuses, changes, end: s };
}

const inst = { attributes: {}, registeredAtMs: 1000 };

describe('initial status per check type', () => {
  const table: [HealthCheckType | null, Record<string, string>, string][] = [
    [null, {}, 'HEALTHY'],
    ['HTTP', {}, 'UNHEALTHY'],
    ['HTTPS', {}, 'UNHEALTHY'],
    ['TCP', {}, 'UNHEALTHY'],
    ['TTL', {}, 'UNHEALTHY'],
    ['CUSTOM', {}, 'HEALTHY'],
    ['CUSTOM', { initialHealth: 'UNHEALTHY' }, 'UNHEALTHY'],
    ['CUSTOM', { AWS_INIT_HEALTH_STATUS: 'UNHEALTHY' }, 'UNHEALTHY'],
    ['CUSTOM', { initialHealth: 'HEALTHY' }, 'HEALTHY'],
    ['CUSTOM', { initialHealth: 'bogus' }, 'HEALTHY'],
    // An UNHEALTHY initial attribute means nothing to a check that probes the target.
    ['HTTP', { initialHealth: 'HEALTHY' }, 'UNHEALTHY'],
  ];
  for (const [type, attrs, want] of table) {
    it(`${type ?? 'no check'} ${JSON.stringify(attrs)} starts ${want}`, () => {
      const c = type ? cfg(type) : null;
      assert.equal(initialStatus(c, attrs), want);
      const s = initialState(c, { attributes: attrs, registeredAtMs: 1000 });
      assert.equal(s.status, want);
      assert.equal(s.changedAtMs, 1000);
      assert.equal(s.consecutiveFailures, 0);
      assert.equal(s.consecutiveSuccesses, 0);
    });
  }
  it('active and TTL checks start PENDING, CUSTOM starts CUSTOM, no check NO_CHECK', () => {
    assert.equal(initialState(cfg('HTTP'), inst).reason, HEALTH_REASON.pending);
    assert.equal(initialState(cfg('TTL'), inst).reason, HEALTH_REASON.pending);
    assert.equal(initialState(cfg('CUSTOM'), inst).reason, HEALTH_REASON.custom);
    assert.equal(initialState(null, inst).reason, HEALTH_REASON.noCheck);
  });
});

describe('thresholds', () => {
  // [failureThreshold, successThreshold, start, runs, statuses after each run, number of status changes]
  const table: [number, number, 'H' | 'U', string, string, number][] = [
    [3, 1, 'U', 'P', 'H', 1],
    [3, 1, 'U', 'F', 'U', 0],
    [3, 1, 'U', 'FFFFP', 'UUUUH', 1],
    [3, 1, 'H', 'F', 'H', 0],
    [3, 1, 'H', 'FF', 'HH', 0],
    [3, 1, 'H', 'FFF', 'HHU', 1],
    [3, 1, 'H', 'FFPFFPFF', 'HHHHHHHH', 0], // a pass resets the failure count: no flapping
    [3, 1, 'H', 'FFFP', 'HHUH', 2],
    [3, 1, 'H', 'FFFFFF', 'HHUUUU', 1],
    [1, 1, 'H', 'FPFP', 'UHUH', 4],
    [2, 3, 'U', 'PPFPPP', 'UUUUUH', 1], // a failure resets the success count
    [2, 3, 'H', 'FFPPP', 'HUUUH', 2],
    [2, 3, 'H', 'FFPPFPPP', 'HUUUUUUH', 2],
    [10, 1, 'H', 'FFFFFFFFF', 'HHHHHHHHH', 0],
    [10, 1, 'H', 'FFFFFFFFFF', 'HHHHHHHHHU', 1],
    [1, 10, 'U', 'PPPPPPPPPP', 'UUUUUUUUUH', 1],
  ];
  for (const [ft, st, start, seq, want, changes] of table) {
    it(`failure=${ft} success=${st} from ${start}: ${seq} -> ${want}`, () => {
      const c = cfg('HTTP', ft, st);
      const s0: HealthValue = { ...initialState(c, inst), status: start === 'H' ? 'HEALTHY' : 'UNHEALTHY', reason: 'CUSTOM' };
      const r = run(s0, seq, c);
      assert.equal(r.statuses, want);
      assert.equal(r.changes, changes);
    });
  }

  it('counts consecutive runs and resets the other count', () => {
    const c = cfg('HTTP');
    const r = run(initialState(c, inst), 'PPFF', c);
    assert.equal(r.end.consecutiveFailures, 2);
    assert.equal(r.end.consecutiveSuccesses, 0);
    const r2 = run(r.end, 'PPP', c);
    assert.equal(r2.end.consecutiveSuccesses, 3);
    assert.equal(r2.end.consecutiveFailures, 0);
  });

  it('changedAtMs moves only on a status change', () => {
    const c = cfg('HTTP');
    const s0 = initialState(c, inst);
    const a = applyCheckResult(s0, { ok: false, output: '' }, c, 5000);
    assert.equal(a.state.changedAtMs, 1000);
    const b = applyCheckResult(a.state, { ok: true, output: '' }, c, 6000);
    assert.equal(b.state.changedAtMs, 6000);
    const d = applyCheckResult(b.state, { ok: true, output: '' }, c, 7000);
    assert.equal(d.state.changedAtMs, 6000);
  });

  it('stays PENDING until a threshold decides, then follows the status', () => {
    const c = cfg('HTTP', 3, 2);
    let s = initialState(c, inst);
    const reasons: string[] = [];
    for (const ok of [false, false, false, true, true, false]) {
      s = applyCheckResult(s, { ok, output: '' }, c, 2000).state;
      reasons.push(s.reason);
    }
    assert.deepEqual(reasons, ['PENDING', 'PENDING', 'CHECK_FAILING', 'CHECK_FAILING', 'CHECK_PASSING', 'CHECK_PASSING']);
  });

  it('keeps at most 4 KB of output', () => {
    const c = cfg('HTTP');
    const s = applyCheckResult(initialState(c, inst), { ok: true, output: 'x'.repeat(10_000) }, c, 2000).state;
    assert.equal(s.output.length, 4096);
  });
});

describe('set status (CUSTOM, heartbeat, TTL expiry)', () => {
  it('applies at once regardless of thresholds', () => {
    const s0 = initialState(cfg('CUSTOM', 3, 3), inst);
    const a = applySetStatus(s0, 'UNHEALTHY', 'CUSTOM', '', 2000);
    assert.equal(a.statusChanged, true);
    assert.equal(a.state.status, 'UNHEALTHY');
    assert.equal(a.state.changedAtMs, 2000);
    const b = applySetStatus(a.state, 'UNHEALTHY', 'CUSTOM', '', 3000);
    assert.equal(b.statusChanged, false);
    assert.equal(b.state.changedAtMs, 2000);
  });
});

describe('only a real status change is replicated', () => {
  const c = cfg('HTTP');
  const base = initialState(c, inst);
  const table: [string, 'HEALTHY' | 'UNHEALTHY' | undefined, Partial<HealthValue>, boolean][] = [
    ['stored HEALTHY, still HEALTHY', 'HEALTHY', { status: 'HEALTHY', consecutiveSuccesses: 40 }, false],
    ['stored HEALTHY, now UNHEALTHY', 'HEALTHY', { status: 'UNHEALTHY' }, true],
    ['stored UNHEALTHY, now HEALTHY', 'UNHEALTHY', { status: 'HEALTHY' }, true],
    ['stored UNHEALTHY, failures keep counting', 'UNHEALTHY', { status: 'UNHEALTHY', reason: 'CHECK_FAILING', consecutiveFailures: 3 }, false],
    ['no record, first pass', undefined, { status: 'HEALTHY', reason: 'CHECK_PASSING', consecutiveSuccesses: 1 }, true],
    ['no record, one failure (pending)', undefined, { status: 'UNHEALTHY', reason: 'PENDING', consecutiveFailures: 1 }, false],
    ['no record, decided failing', undefined, { status: 'UNHEALTHY', reason: 'CHECK_FAILING', consecutiveFailures: 3 }, true],
    ['no record, still failing after that', undefined, { status: 'UNHEALTHY', reason: 'CHECK_FAILING', consecutiveFailures: 4 }, false],
  ];
  for (const [name, stored, next, want] of table) {
    it(name, () => {
      assert.equal(shouldReplicate(stored ? { status: stored } : undefined, { ...base, ...next }, 'UNHEALTHY', c), want);
    });
  }
  it('a CUSTOM status equal to the initial status writes nothing', () => {
    const s = initialState(cfg('CUSTOM'), inst);
    assert.equal(shouldReplicate(undefined, applySetStatus(s, 'HEALTHY', 'CUSTOM', '', 2).state, 'HEALTHY', cfg('CUSTOM')), false);
    assert.equal(shouldReplicate(undefined, applySetStatus(s, 'UNHEALTHY', 'CUSTOM', '', 2).state, 'HEALTHY', cfg('CUSTOM')), true);
  });
  it('a run of 1000 checks with one outage writes three records, not 1000', () => {
    let s = initialState(c, inst);
    let stored: { status: 'HEALTHY' | 'UNHEALTHY' } | undefined;
    let writes = 0;
    for (let i = 0; i < 1000; i++) {
      const ok = !(i >= 500 && i < 510);
      s = applyCheckResult(s, { ok, output: '' }, c, i).state;
      if (shouldReplicate(stored, s, 'UNHEALTHY', c)) {
        writes++;
        stored = { status: s.status };
      }
    }
    assert.equal(writes, 3); // first pass, down at run 502, up at run 510
  });
});

describe('records', () => {
  it('round-trips status through a record and restarts counts at zero', () => {
    const v = toHealthValue({ status: 'HEALTHY', reason: 'CHECK_PASSING', output: 'ok', changedAtMs: 7, consecutiveSuccesses: 9, consecutiveFailures: 0 });
    const s = stateFromRecord(v);
    assert.equal(s.status, 'HEALTHY');
    assert.equal(s.changedAtMs, 7);
    assert.equal(s.consecutiveSuccesses, 0);
  });
});

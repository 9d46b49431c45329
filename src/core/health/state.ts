/**
 * The health state machine an owner runs for each instance it checks. Consecutive
 * counts live only in the owner's memory; a record is replicated only when the
 * status really changes (see shouldReplicate), so check runs cost no gossip traffic.
 */
import { initialCustomHealth } from '../health-rules.js';
import type { HealthCheckConfig, HealthReason, HealthStatus, HealthValue, InstanceValue } from '../types.js';
import { truncateOutput } from './output.js';

/** HEALTH_REASON names the reasons the health layer writes into health records. */
export const HEALTH_REASON = {
  /** No check has decided yet; the initial status of HTTP, HTTPS, TCP and TTL checks. */
  pending: 'PENDING',
  passing: 'CHECK_PASSING',
  failing: 'CHECK_FAILING',
  custom: 'CUSTOM',
  heartbeat: 'HEARTBEAT',
  ttlExpired: 'TTL_EXPIRED',
  noCheck: 'NO_CHECK',
} as const;


/** CheckResult is the outcome of one check run. */
export interface CheckResult {
  ok: boolean;
  output: string;
}

/** Transition is a new state and whether its status differs from the old one. */
export interface Transition {
  state: HealthValue;
  statusChanged: boolean;
}

/**
 * initialStatus is the status an instance has before any check decides: HTTP, HTTPS,
 * TCP and TTL start UNHEALTHY until they pass; CUSTOM starts HEALTHY unless the
 * attribute initialHealth or AWS_INIT_HEALTH_STATUS says UNHEALTHY (Cloud Map's
 * rule); no check means HEALTHY (while the owner lives, see health-rules.ts).
 */
export function initialStatus(cfg: HealthCheckConfig | null, attributes: Record<string, string>): HealthStatus {
  if (!cfg) return 'HEALTHY';
  if (cfg.type === 'CUSTOM') return initialCustomHealth(attributes);
  return 'UNHEALTHY';
}

/** initialState is the state of a freshly registered instance, before any record exists. */
export function initialState(cfg: HealthCheckConfig | null, inst: Pick<InstanceValue, 'attributes' | 'registeredAtMs'>): HealthValue {
  const status = initialStatus(cfg, inst.attributes);
  const reason = !cfg ? HEALTH_REASON.noCheck : cfg.type === 'CUSTOM' ? HEALTH_REASON.custom : HEALTH_REASON.pending;
  return { status, reason, output: '', changedAtMs: inst.registeredAtMs, consecutiveSuccesses: 0, consecutiveFailures: 0 };
}

/**
 * stateFromRecord resumes from a stored or replicated health record, e.g. after the
 * owner restarts. Counts restart from zero on purpose: a restarted owner keeps the
 * last replicated status until thresholds are met again, so a restart does not flap.
 */
export function stateFromRecord(rec: HealthValue): HealthValue {
  return {
    status: rec.status,
    reason: rec.reason,
    output: rec.output,
    changedAtMs: rec.changedAtMs,
    consecutiveSuccesses: 0,
    consecutiveFailures: 0,
  };
}

/**
 * applyCheckResult folds one check run into the state: failureThreshold consecutive
 * failures make the instance UNHEALTHY, successThreshold consecutive passes make it
 * HEALTHY; anything short of a threshold keeps the status (no flapping).
 */
export function applyCheckResult(
  prev: HealthValue,
  result: CheckResult,
  cfg: Pick<HealthCheckConfig, 'failureThreshold' | 'successThreshold'>,
  nowMs: number,
): Transition {
  const successes = result.ok ? prev.consecutiveSuccesses + 1 : 0;
  const failures = result.ok ? 0 : prev.consecutiveFailures + 1;
  let status = prev.status;
  if (result.ok && successes >= cfg.successThreshold) status = 'HEALTHY';
  if (!result.ok && failures >= cfg.failureThreshold) status = 'UNHEALTHY';
  const statusChanged = status !== prev.status;
  // An instance stays PENDING until a threshold decides its status; after that the
  // reason follows the status, whatever the last single run said.
  const decided = statusChanged || prev.reason !== HEALTH_REASON.pending || (!result.ok && failures >= cfg.failureThreshold);
  const reason = !decided ? HEALTH_REASON.pending : status === 'HEALTHY' ? HEALTH_REASON.passing : HEALTH_REASON.failing;
  return {
    state: {
      status,
      reason,
      output: truncateOutput(result.output),
      changedAtMs: statusChanged ? nowMs : prev.changedAtMs,
      consecutiveSuccesses: successes,
      consecutiveFailures: failures,
    },
    statusChanged,
  };
}

/** applySetStatus sets a status directly: a CUSTOM update, a TTL heartbeat or a TTL expiry. */
export function applySetStatus(prev: HealthValue, status: HealthStatus, reason: HealthReason, output: string, nowMs: number): Transition {
  const statusChanged = status !== prev.status;
  return {
    state: {
      status,
      reason,
      output: truncateOutput(output),
      changedAtMs: statusChanged ? nowMs : prev.changedAtMs,
      consecutiveSuccesses: status === 'HEALTHY' ? prev.consecutiveSuccesses + 1 : 0,
      consecutiveFailures: status === 'UNHEALTHY' ? prev.consecutiveFailures + 1 : 0,
    },
    statusChanged,
  };
}

/**
 * shouldReplicate decides whether the owner writes a health record for `next`, given
 * the record already replicated (if any). Only a real status change is written. The
 * one exception: while no record exists, the moment an active check is first decided
 * failing is written once, so every node can show why the instance is still down
 * (a PENDING instance and a failing one look alike otherwise).
 */
export function shouldReplicate(
  stored: Pick<HealthValue, 'status'> | undefined,
  next: HealthValue,
  initial: HealthStatus,
  cfg: Pick<HealthCheckConfig, 'failureThreshold'> | null,
): boolean {
  if (stored) return stored.status !== next.status;
  if (next.status !== initial) return true;
  return cfg !== null && next.reason === HEALTH_REASON.failing && next.consecutiveFailures === cfg.failureThreshold;
}

/** toHealthValue turns an in-memory state into the replicated record body. */
export function toHealthValue(s: HealthValue): HealthValue {
  return {
    status: s.status,
    reason: s.reason,
    output: s.output,
    changedAtMs: s.changedAtMs,
    consecutiveSuccesses: s.consecutiveSuccesses,
    consecutiveFailures: s.consecutiveFailures,
  };
}

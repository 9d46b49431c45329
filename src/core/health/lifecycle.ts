/**
 * Lifecycle decisions of the health layer: TTL deadlines, graceful drain and
 * auto-deregistration of instances that stay UNHEALTHY (Consul's
 * deregister_critical_service_after). Pure: the runtime arms timers from these.
 */
import type { HealthCheckConfig, HealthStatus, InstanceValue, ServiceValue } from '../types.js';

/** MAX_DRAIN_MS bounds a drain so that a typo cannot park an instance for years. */
export const MAX_DRAIN_MS = 24 * 3600_000;

/** ttlDeadlineMs is when a TTL-checked instance turns UNHEALTHY without a new heartbeat. */
export function ttlDeadlineMs(lastHeartbeatMs: number, cfg: Pick<HealthCheckConfig, 'ttlMs'>): number {
  return lastHeartbeatMs + (cfg.ttlMs ?? 0);
}

/** drainDeadlineMs is when a draining instance is deregistered, or undefined if it is not draining. */
export function drainDeadlineMs(inst: Pick<InstanceValue, 'drainUntilMs'>): number | undefined {
  return typeof inst.drainUntilMs === 'number' && Number.isFinite(inst.drainUntilMs) ? inst.drainUntilMs : undefined;
}

/** drainedInstance returns the instance marked DRAINING until nowMs + drainMs; an earlier deadline is kept. */
export function drainedInstance(inst: InstanceValue, drainMs: number, nowMs: number): InstanceValue {
  const until = nowMs + Math.min(Math.max(0, drainMs), MAX_DRAIN_MS);
  const kept = drainDeadlineMs(inst);
  return { ...inst, drainUntilMs: kept !== undefined && kept < until ? kept : until };
}

/**
 * autoDeregisterAtMs is when an instance is removed for staying UNHEALTHY, or
 * undefined when that does not apply (no deregisterAfterUnhealthyMs, or HEALTHY).
 * The clock starts at the last status change; an instance that never passed counts
 * from its registration, as Consul counts a check that starts critical.
 */
export function autoDeregisterAtMs(
  svc: Pick<ServiceValue, 'deregisterAfterUnhealthyMs'> | undefined,
  status: HealthStatus,
  unhealthySinceMs: number,
): number | undefined {
  const after = svc?.deregisterAfterUnhealthyMs;
  if (typeof after !== 'number' || !Number.isFinite(after) || after <= 0) return undefined;
  if (status !== 'UNHEALTHY') return undefined;
  return unhealthySinceMs + after;
}

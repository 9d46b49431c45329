/**
 * Effective health-check configuration: a service's `healthCheck` merged with an
 * instance's overrides, with defaults filled in. Pure; used by the owner's checker
 * and by the HTTP layer to decide which health API calls an instance accepts.
 */
import type { HealthCheckConfig, HealthCheckType, InstanceValue, ServiceValue } from '../types.js';

/** MIN_CHECK_INTERVAL_MS is the shortest interval between two checks of one instance. */
export const MIN_CHECK_INTERVAL_MS = 1000;

/** DEFAULT_HEALTH_CHECK holds the defaults for every field a check config may omit. */
export const DEFAULT_HEALTH_CHECK: Omit<HealthCheckConfig, 'type'> = {
  intervalMs: 10_000,
  timeoutMs: 2_000,
  failureThreshold: 3,
  successThreshold: 1,
  ttlMs: 30_000,
  insecureSkipVerify: false,
};

/** DEFAULT_HTTP_PATH is the request path of an HTTP(S) check that names none. */
export const DEFAULT_HTTP_PATH = '/';

/**
 * effectiveCheckConfig merges the service's check with the instance's overrides and
 * fills defaults (the same as validate.ts's); it returns null when neither names a check type (no check). Values
 * that validation should have refused (they can still arrive by gossip from a newer
 * or buggy peer) are bounded rather than trusted, so that one bad record cannot make
 * the owner spin: the interval is at least MIN_CHECK_INTERVAL_MS, the timeout at most
 * the interval, thresholds at least 1.
 */
export function effectiveCheckConfig(
  svc: Pick<ServiceValue, 'healthCheck'> | undefined,
  inst: Pick<InstanceValue, 'healthCheck'>,
): HealthCheckConfig | null {
  const base = svc?.healthCheck ?? undefined;
  const over = inst.healthCheck ?? undefined;
  const type: HealthCheckType | undefined = over?.type ?? base?.type;
  if (!type) return null;
  const inherited = stripUndefined(base);
  if (over?.type && base && over.type !== base.type) {
    // A different type resets type-specific fields (as validate.ts does): no path on TCP.
    delete inherited.path;
    delete inherited.ttlMs;
    delete inherited.insecureSkipVerify;
  }
  const merged: HealthCheckConfig = { ...DEFAULT_HEALTH_CHECK, ...inherited, ...stripUndefined(over), type };
  const intervalMs = Math.max(MIN_CHECK_INTERVAL_MS, finiteOr(merged.intervalMs, DEFAULT_HEALTH_CHECK.intervalMs));
  const out: HealthCheckConfig = {
    ...merged,
    intervalMs,
    timeoutMs: Math.min(intervalMs, Math.max(1, finiteOr(merged.timeoutMs, DEFAULT_HEALTH_CHECK.timeoutMs))),
    failureThreshold: Math.max(1, Math.floor(finiteOr(merged.failureThreshold, 3))),
    successThreshold: Math.max(1, Math.floor(finiteOr(merged.successThreshold, 1))),
    ttlMs: Math.max(1, finiteOr(merged.ttlMs, DEFAULT_HEALTH_CHECK.ttlMs!)),
  };
  if (type === 'HTTP' || type === 'HTTPS') out.path = merged.path || DEFAULT_HTTP_PATH;
  return out;
}

/** isActiveCheck reports whether the owner probes the target itself (HTTP, HTTPS, TCP). */
export function isActiveCheck(type: HealthCheckType): boolean {
  return type === 'HTTP' || type === 'HTTPS' || type === 'TCP';
}

function finiteOr(v: unknown, dflt: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : dflt;
}

function stripUndefined<T extends object>(o: T | undefined): Partial<T> {
  if (!o) return {};
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

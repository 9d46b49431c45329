/**
 * Validation of health input, wherever it comes from (HTTP bodies, the health layer's
 * API, config files, records from peers): check configs and their per-instance
 * overrides, statuses, heartbeat and custom-health bodies, drain durations. Every
 * refusal is InvalidInput naming the field; src/core/validate.ts re-exports all of it.
 */
import { invalid } from '../errors.js';
import type { HealthCheckConfig, HealthCheckType, HealthStatus, InstanceValue, ServiceValue } from '../types.js';
import { asObject, oneOf, optInt, optString, type Obj } from '../validate-fields.js';
import { DEFAULT_HEALTH_CHECK, MIN_CHECK_INTERVAL_MS } from './config.js';
import { MAX_DRAIN_MS } from './lifecycle.js';

/** HEALTH_CHECK_TYPES lists the check types a config may name. */
export const HEALTH_CHECK_TYPES: readonly HealthCheckType[] = ['HTTP', 'HTTPS', 'TCP', 'TTL', 'CUSTOM'];
/** HEALTH_STATUSES lists the statuses a caller (or a peer's health record) may set. */
export const HEALTH_STATUSES: readonly HealthStatus[] = ['HEALTHY', 'UNHEALTHY'];
/** MAX_NOTE_CHARS bounds a heartbeat note (it becomes the record's output, itself capped at 4 KB). */
export const MAX_NOTE_CHARS = 4096;
/** MAX_CHECK_INTERVAL_MS is the longest health-check interval (and timeout): one hour. */
export const MAX_CHECK_INTERVAL_MS = 3_600_000;
/** MIN_TTL_MS is the shortest ttlMs of a TTL check: 100 ms. */
export const MIN_TTL_MS = 100;
/** MAX_TTL_MS is the longest ttlMs of a TTL check: one day. */
export const MAX_TTL_MS = 24 * 3_600_000;

/** CHECK_FIELDS lists the fields a health-check config (or an instance's override of one) may have. */
export const CHECK_FIELDS = ['type', 'path', 'intervalMs', 'timeoutMs', 'failureThreshold', 'successThreshold', 'ttlMs', 'insecureSkipVerify'] as const;

/** validateHealthStatus checks a status: HEALTHY or UNHEALTHY, or throws naming `field`. */
export function validateHealthStatus(v: unknown, field = 'status'): HealthStatus {
  if (v !== 'HEALTHY' && v !== 'UNHEALTHY') throw invalid(field, 'must be HEALTHY or UNHEALTHY');
  return v;
}

/** HeartbeatInput is a validated TTL heartbeat: an optional status (HEALTHY by default) and note. */
export interface HeartbeatInput {
  status?: HealthStatus;
  note?: string;
}

/** validateHeartbeatBody checks `{status?, note?}` (PUT .../heartbeat, HealthApi.heartbeat); an absent body is `{}`. */
export function validateHeartbeatBody(body: unknown, field = ''): HeartbeatInput {
  const p = (k: string) => (field ? `${field}.${k}` : k);
  const o = asObject(body ?? {}, field, ['status', 'note']);
  const out: HeartbeatInput = {};
  if (o.status !== undefined) out.status = validateHealthStatus(o.status, p('status'));
  const note = optString(o, 'note', p('note'), MAX_NOTE_CHARS);
  if (note !== undefined) out.note = note;
  return out;
}

/** CustomHealthInput is a validated CUSTOM status update. */
export interface CustomHealthInput {
  status: HealthStatus;
}

/** validateCustomHealthBody checks `{status}` (PUT .../health, Cloud Map's UpdateInstanceCustomHealthStatus). */
export function validateCustomHealthBody(body: unknown, field = ''): CustomHealthInput {
  const o = asObject(body, field, ['status']);
  return { status: validateHealthStatus(o.status, field ? `${field}.status` : 'status') };
}

/** validateDrainMs checks a drain duration: an integer number of milliseconds from 0 to MAX_DRAIN_MS (one day). */
export function validateDrainMs(v: unknown, field = 'drainMs'): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(field, 'must be an integer number of milliseconds');
  if (v < 0 || v > MAX_DRAIN_MS) throw invalid(field, `must be between 0 and ${MAX_DRAIN_MS}`);
  return v;
}

/**
 * validateHealthCheck checks a health-check config and fills in defaults (interval
 * 10 s, timeout 2 s, thresholds 3 and 1). Configs that cannot work are refused:
 * a TCP check with a path, an interval below 1 s, a timeout not below the interval,
 * a TTL check without ttlMs.
 */
export function validateHealthCheck(v: unknown, field = 'healthCheck'): HealthCheckConfig {
  const o = asObject(v, field, CHECK_FIELDS);
  const type = oneOf<HealthCheckType>(o.type, `${field}.type`, HEALTH_CHECK_TYPES);
  const out: HealthCheckConfig = {
    type,
    intervalMs: optInt(o, 'intervalMs', `${field}.intervalMs`, MIN_CHECK_INTERVAL_MS, MAX_CHECK_INTERVAL_MS) ?? DEFAULT_HEALTH_CHECK.intervalMs,
    timeoutMs: optInt(o, 'timeoutMs', `${field}.timeoutMs`, 1, MAX_CHECK_INTERVAL_MS) ?? DEFAULT_HEALTH_CHECK.timeoutMs,
    failureThreshold: optInt(o, 'failureThreshold', `${field}.failureThreshold`, 1, 10) ?? DEFAULT_HEALTH_CHECK.failureThreshold,
    successThreshold: optInt(o, 'successThreshold', `${field}.successThreshold`, 1, 10) ?? DEFAULT_HEALTH_CHECK.successThreshold,
  };
  if (out.timeoutMs >= out.intervalMs) throw invalid(`${field}.timeoutMs`, `must be less than intervalMs (${out.intervalMs})`);
  const path = optString(o, 'path', `${field}.path`, 1024);
  if (path !== undefined) {
    if (type !== 'HTTP' && type !== 'HTTPS') throw invalid(`${field}.path`, `a ${type} check has no path`);
    if (!path.startsWith('/') || !/^[!-~]*$/.test(path)) throw invalid(`${field}.path`, "must start with '/' and be printable ASCII without spaces");
    out.path = path;
  } else if (type === 'HTTP' || type === 'HTTPS') {
    out.path = '/';
  }
  const ttlMs = optInt(o, 'ttlMs', `${field}.ttlMs`, MIN_TTL_MS, MAX_TTL_MS);
  if (type === 'TTL') {
    if (ttlMs === undefined) throw invalid(`${field}.ttlMs`, 'is required for a TTL check');
    out.ttlMs = ttlMs;
  } else if (ttlMs !== undefined) {
    throw invalid(`${field}.ttlMs`, 'only TTL checks have ttlMs');
  }
  if (o.insecureSkipVerify !== undefined) {
    if (typeof o.insecureSkipVerify !== 'boolean') throw invalid(`${field}.insecureSkipVerify`, 'must be a boolean');
    if (type !== 'HTTPS') throw invalid(`${field}.insecureSkipVerify`, 'only HTTPS checks have insecureSkipVerify');
    out.insecureSkipVerify = o.insecureSkipVerify;
  }
  return out;
}

/**
 * validateHealthCheckOverride checks an instance's partial override against the
 * service's config: the merged result must itself be a valid config. It returns the
 * override with only the given fields, and the merged effective config.
 */
export function validateHealthCheckOverride(
  v: unknown,
  service: HealthCheckConfig | null,
  field = 'healthCheck',
): { override: Partial<HealthCheckConfig>; effective: HealthCheckConfig } {
  const o = asObject(v, field, CHECK_FIELDS);
  if (!service && o.type === undefined) throw invalid(`${field}.type`, 'is required: the service has no health check to override');
  const base: Obj = service ? { ...service } : {};
  if (o.type !== undefined && service && o.type !== service.type) {
    // A different type resets type-specific fields rather than inheriting nonsense (a path on TCP).
    delete base.path;
    delete base.ttlMs;
    delete base.insecureSkipVerify;
  }
  const effective = validateHealthCheck({ ...base, ...o }, field);
  return { override: { ...(o as Partial<HealthCheckConfig>) }, effective };
}

/** effectiveCheck returns the health-check config that applies to an instance (service config plus override). */
export function effectiveCheck(inst: Pick<InstanceValue, 'healthCheck'>, svc: ServiceValue | undefined): HealthCheckConfig | null {
  if (!inst.healthCheck) return svc?.healthCheck ?? null;
  return validateHealthCheckOverride(inst.healthCheck, svc?.healthCheck ?? null).effective;
}

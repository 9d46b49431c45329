/**
 * Flag plumbing shared by the API commands: health-check flags, errors that name the
 * flag a user typed rather than the JSON field the daemon checked, and PENDING.
 */
import { parseDuration } from '../http/params.js';
import { CliError } from './client.js';

/** CheckFlags are the health-check flags of `register` and `service create|update`. */
export interface CheckFlags {
  checkPath?: string;
  checkInterval?: string;
  checkTimeout?: string;
  checkTtl?: string;
  failureThreshold?: string;
  successThreshold?: string;
  insecure?: boolean;
}

/** checkOverrides builds a healthCheck object from the check flags given, or undefined when none is. */
export function checkOverrides(o: CheckFlags): Record<string, unknown> | undefined {
  const hc: Record<string, unknown> = {};
  if (o.checkPath !== undefined) hc.path = o.checkPath;
  if (o.checkInterval !== undefined) hc.intervalMs = parseDuration(o.checkInterval, '--check-interval');
  if (o.checkTimeout !== undefined) hc.timeoutMs = parseDuration(o.checkTimeout, '--check-timeout');
  if (o.checkTtl !== undefined) hc.ttlMs = parseDuration(o.checkTtl, '--check-ttl');
  if (o.failureThreshold !== undefined) hc.failureThreshold = Number(o.failureThreshold);
  if (o.successThreshold !== undefined) hc.successThreshold = Number(o.successThreshold);
  if (o.insecure) hc.insecureSkipVerify = true;
  return Object.keys(hc).length > 0 ? hc : undefined;
}

/** FIELD_FLAGS maps the JSON fields the daemon names in errors to the flags that set them. */
export const FIELD_FLAGS: Record<string, string> = {
  'healthCheck.type': '--check',
  'healthCheck.path': '--check-path',
  'healthCheck.intervalMs': '--check-interval',
  'healthCheck.timeoutMs': '--check-timeout',
  'healthCheck.ttlMs': '--check-ttl',
  'healthCheck.failureThreshold': '--failure-threshold',
  'healthCheck.successThreshold': '--success-threshold',
  'healthCheck.insecureSkipVerify': '--insecure',
  deregisterAfterUnhealthyMs: '--deregister-after',
  'dns.routingPolicy': '--routing',
  'dns.records': '--records',
  description: '--description',
  soaTtl: '--soa-ttl',
  type: '--type',
  'attributes.ipv4': '--ipv4',
  'attributes.ipv6': '--ipv6',
  'attributes.port': '--port',
};

/** flagNamed rewrites an InvalidInput message that starts with a JSON field into one that starts with its flag. */
export function flagNamed(message: string): string {
  const m = /^([A-Za-z0-9_.[\]]+)(:.*)$/s.exec(message);
  if (!m) return message;
  const field = m[1]!.replace(/\[\d+\]/g, '');
  const flag = FIELD_FLAGS[field] ?? (field.startsWith('dns.records') ? '--records' : field.startsWith('attributes.') ? '--attr' : undefined);
  return flag ? `${flag}${m[2]}` : message;
}

/** withFlagNames runs an API call and names flags, not JSON fields, in InvalidInput errors. */
export async function withFlagNames<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof CliError && e.code === 'InvalidInput') throw new CliError(e.code, flagNamed(e.message));
    throw e;
  }
}

/** healthText shows PENDING while the first check has not run (the daemon says UNHEALTHY with reason PENDING). */
export function healthText(i: { health?: string; healthReason?: string }): string {
  return i.healthReason === 'PENDING' ? 'PENDING' : (i.health ?? '-');
}

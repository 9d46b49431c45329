import { invalid } from '../core/errors.js';

/** MAX_WAIT_MS is the longest a blocking query may wait (Consul allows 10 minutes too). */
export const MAX_WAIT_MS = 10 * 60_000;
/** DEFAULT_WAIT_MS is the wait of a blocking query that gives `index` without `wait` (Consul's 5 minutes). */
export const DEFAULT_WAIT_MS = 5 * 60_000;

/** parseDuration parses "500ms", "30s", "1m" (also "1h") into milliseconds; the error names `field`. */
export function parseDuration(v: string, field: string): number {
  const m = /^(\d{1,9})(ms|s|m|h)$/.exec(v);
  if (!m) throw invalid(field, `"${v.slice(0, 40)}" is not a duration such as 500ms, 30s or 1m`);
  const n = Number(m[1]);
  return n * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 3_600_000);
}

/** parseWaitMs reads the `wait` query parameter of a blocking query. */
export function parseWaitMs(v: string | null): number {
  if (v === null) return DEFAULT_WAIT_MS;
  const ms = parseDuration(v, 'wait');
  if (ms > MAX_WAIT_MS) throw invalid('wait', 'must be at most 10m');
  return ms;
}

/** parseIndex reads the `index` query parameter: a revision seen before, or null when absent. */
export function parseIndex(v: string | null): number | null {
  if (v === null) return null;
  if (!/^\d{1,16}$/.test(v) || !Number.isSafeInteger(Number(v))) throw invalid('index', 'must be a non-negative integer');
  return Number(v);
}

/** parseNonNegativeInt reads an integer query parameter within [min, max]. */
export function parseIntParam(v: string, field: string, min: number, max: number): number {
  if (!/^\d{1,16}$/.test(v) || Number(v) < min || Number(v) > max) throw invalid(field, `must be an integer ${min}-${max}`);
  return Number(v);
}

/** onlyParams refuses query parameters other than the allowed ones, naming the first stranger. */
export function onlyParams(q: URLSearchParams, allowed: readonly string[]): void {
  for (const k of q.keys()) if (!allowed.includes(k)) throw invalid(k.slice(0, 80), 'unknown query parameter');
}

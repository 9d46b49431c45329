/**
 * The HTTP API's resource limits (config key `http`): how many connections it holds
 * at once and how long a client may take to send a request. The connection cap's
 * default comes from the process's open-file limit, so that slow clients can never
 * take every file descriptor (LevelDB, gossip and health checks need theirs too).
 */
import { readFileSync } from 'node:fs';
import { invalid } from '../core/errors.js';
import { asObject, optInt } from '../core/validate.js';
import { validateCorsOrigins } from './security.js';

/** HttpLimits are the resolved `http` settings of one daemon. */
export interface HttpLimits {
  /** maxConnections caps concurrent API connections; new ones over it are closed at once. */
  maxConnections: number;
  /** bodyTimeoutMs is how long a client has to send a request's headers and body. */
  bodyTimeoutMs: number;
  /** corsOrigins are the browser origins allowed to call the API (CORS off when empty). */
  corsOrigins: string[];
}

/** DEFAULT_BODY_TIMEOUT_MS is the default of http.bodyTimeoutMs (Node's own default is 5 minutes). */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;
/** FALLBACK_OPEN_FILES_LIMIT is the open-file limit assumed when the real one cannot be read (a common `ulimit -n`). */
export const FALLBACK_OPEN_FILES_LIMIT = 1024;
/** MAX_DEFAULT_CONNECTIONS bounds the default connection cap when the open-file limit is huge or unlimited. */
export const MAX_DEFAULT_CONNECTIONS = 16_384;
/** MIN_DEFAULT_CONNECTIONS is the smallest default connection cap, however low the open-file limit. */
export const MIN_DEFAULT_CONNECTIONS = 16;
/** HTTP_FIELDS are the fields of the config file's `http` object. */
export const HTTP_FIELDS = ['maxConnections', 'bodyTimeoutMs', 'corsOrigins'] as const;

/**
 * parseOpenFilesSoftLimit reads the soft "Max open files" limit from the text of
 * /proc/self/limits; Infinity when unlimited, undefined when the line is missing.
 */
export function parseOpenFilesSoftLimit(limitsText: string): number | undefined {
  const m = /^Max open files\s+(\S+)/m.exec(limitsText);
  if (!m) return undefined;
  if (m[1] === 'unlimited') return Infinity;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** readOpenFilesSoftLimit returns the process's soft `ulimit -n` (Linux), or FALLBACK_OPEN_FILES_LIMIT elsewhere. */
export function readOpenFilesSoftLimit(): number {
  try {
    return parseOpenFilesSoftLimit(readFileSync('/proc/self/limits', 'utf8')) ?? FALLBACK_OPEN_FILES_LIMIT;
  } catch {
    return FALLBACK_OPEN_FILES_LIMIT;
  }
}

/** defaultMaxConnections is half the open-file limit, within [MIN_DEFAULT_CONNECTIONS, MAX_DEFAULT_CONNECTIONS]. */
export function defaultMaxConnections(openFilesLimit: number): number {
  return Math.max(MIN_DEFAULT_CONNECTIONS, Math.min(MAX_DEFAULT_CONNECTIONS, Math.floor(openFilesLimit / 2)));
}

/** validateHttpConfig checks the config file's `http` object, naming the bad field. */
export function validateHttpConfig(raw: unknown): void {
  if (raw === undefined) return;
  const o = asObject(raw, 'http', HTTP_FIELDS);
  optInt(o, 'maxConnections', 'http.maxConnections', 1, 1_000_000);
  optInt(o, 'bodyTimeoutMs', 'http.bodyTimeoutMs', 100, 600_000);
  validateCorsOrigins(o.corsOrigins);
}

/**
 * resolveHttpLimits fills in the defaults of a validated `http` object. A cap at or
 * over the open-file limit is refused: it would let connections starve the rest of
 * the daemon of descriptors, which is what the cap is for.
 */
export function resolveHttpLimits(raw: unknown, openFilesLimit: number): HttpLimits {
  validateHttpConfig(raw);
  const o = (raw ?? {}) as { maxConnections?: number; bodyTimeoutMs?: number; corsOrigins?: unknown };
  if (o.maxConnections !== undefined && o.maxConnections >= openFilesLimit) {
    throw invalid('http.maxConnections', `must be below the open-file limit (ulimit -n: ${openFilesLimit}); lower it or raise the limit`);
  }
  return {
    maxConnections: o.maxConnections ?? defaultMaxConnections(openFilesLimit),
    bodyTimeoutMs: o.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
    corsOrigins: validateCorsOrigins(o.corsOrigins),
  };
}

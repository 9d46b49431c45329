/**
 * The API's security settings: TLS files (`tls`), client certificates
 * (`verifyIncoming`), ACLs (`acl`) and per-client rate limits (`limits`). Each is
 * validated strictly, naming the field; cross-field rules (an HTTPS address needs a
 * certificate) are checked where the whole config is known.
 */
import { readFileSync } from 'node:fs';
import { invalid } from '../core/errors.js';
import type { AclPolicy } from '../core/acl.js';
import { asObject, optInt, optString } from '../core/validate.js';


/** AclConfig is the `acl` object. */
export interface AclConfig {
  enabled: boolean;
  defaultPolicy: AclPolicy;
  /** initialManagementToken is a secret that may do everything (bootstrap: create the first tokens with it). */
  initialManagementToken?: string;
  /** dnsToken is the secret whose rights DNS answers with; anonymous when unset. */
  dnsToken?: string;
}

/** LimitsConfig is the `limits` object; 0 turns a limit off. */
export interface LimitsConfig {
  /** httpReadsPerSec is each client address's token-bucket rate for GET requests (burst: the same number). */
  httpReadsPerSec: number;
  /** httpWritesPerSec is each client address's rate for PUT, POST and DELETE. */
  httpWritesPerSec: number;
  /** dnsResponsesPerSec is the UDP response rate per client /24 (IPv4) or /56 (IPv6). */
  dnsResponsesPerSec: number;
  /** dnsSlip answers every n-th over-limit query with TC=1 (retry over TCP) and drops the rest; 0 drops all. */
  dnsSlip: number;
}

/** DEFAULT_ACL is ACLs off. */
export const DEFAULT_ACL: AclConfig = { enabled: false, defaultPolicy: 'deny' };
/** DEFAULT_LIMITS has every rate limit off (see README for suggested values) and BIND's default slip of 2. */
export const DEFAULT_LIMITS: LimitsConfig = { httpReadsPerSec: 0, httpWritesPerSec: 0, dnsResponsesPerSec: 0, dnsSlip: 2 };
/** MIN_TOKEN_SECRET_CHARS is the shortest configured token secret accepted. */
export const MIN_TOKEN_SECRET_CHARS = 16;


/** validateVerifyIncoming checks the top-level `verifyIncoming` flag. */
export function validateVerifyIncoming(raw: unknown): boolean {
  if (raw !== undefined && typeof raw !== 'boolean') throw invalid('verifyIncoming', 'must be true or false');
  return raw === true;
}

function secret(o: Record<string, unknown>, k: string): string | undefined {
  const v = optString(o, k, `acl.${k}`, 256);
  if (v !== undefined && v.length < MIN_TOKEN_SECRET_CHARS) throw invalid(`acl.${k}`, `must be at least ${MIN_TOKEN_SECRET_CHARS} characters`);
  return v;
}

/** resolveAclConfig validates the `acl` object and fills in defaults. */
export function resolveAclConfig(raw: unknown): AclConfig {
  if (raw === undefined) return { ...DEFAULT_ACL };
  const o = asObject(raw, 'acl', ['enabled', 'defaultPolicy', 'initialManagementToken', 'dnsToken']);
  if (o.enabled !== undefined && typeof o.enabled !== 'boolean') throw invalid('acl.enabled', 'must be true or false');
  if (o.defaultPolicy !== undefined && o.defaultPolicy !== 'allow' && o.defaultPolicy !== 'deny') throw invalid('acl.defaultPolicy', 'must be "allow" or "deny"');
  const out: AclConfig = { enabled: o.enabled === true, defaultPolicy: (o.defaultPolicy as AclPolicy | undefined) ?? 'deny' };
  const m = secret(o, 'initialManagementToken');
  if (m !== undefined) out.initialManagementToken = m;
  const d = secret(o, 'dnsToken');
  if (d !== undefined) out.dnsToken = d;
  return out;
}

/** resolveLimitsConfig validates the `limits` object and fills in defaults. */
export function resolveLimitsConfig(raw: unknown): LimitsConfig {
  if (raw === undefined) return { ...DEFAULT_LIMITS };
  const o = asObject(raw, 'limits', ['httpReadsPerSec', 'httpWritesPerSec', 'dnsResponsesPerSec', 'dnsSlip']);
  return {
    httpReadsPerSec: optInt(o, 'httpReadsPerSec', 'limits.httpReadsPerSec', 0, 10_000_000) ?? DEFAULT_LIMITS.httpReadsPerSec,
    httpWritesPerSec: optInt(o, 'httpWritesPerSec', 'limits.httpWritesPerSec', 0, 10_000_000) ?? DEFAULT_LIMITS.httpWritesPerSec,
    dnsResponsesPerSec: optInt(o, 'dnsResponsesPerSec', 'limits.dnsResponsesPerSec', 0, 10_000_000) ?? DEFAULT_LIMITS.dnsResponsesPerSec,
    dnsSlip: optInt(o, 'dnsSlip', 'limits.dnsSlip', 0, 10) ?? DEFAULT_LIMITS.dnsSlip,
  };
}

/** validateCorsOrigins checks http.corsOrigins: exact origins such as "https://ui.example.com", or "*". */
export function validateCorsOrigins(raw: unknown): string[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || raw.length > 64) throw invalid('http.corsOrigins', 'must be a list of at most 64 origins');
  return raw.map((v, i) => {
    if (typeof v !== 'string' || !(v === '*' || /^https?:\/\/[A-Za-z0-9.:[\]-]{1,253}$/.test(v))) {
      throw invalid(`http.corsOrigins[${i}]`, 'must be an origin such as https://ui.example.com (scheme and host, no path), or "*"');
    }
    return v;
  });
}

/** checkHttpsSettings refuses an HTTPS address without the tls files, and verifyIncoming without an HTTPS address. */
export function checkHttpsSettings(httpsAddr: string | undefined, hasTls: boolean, verifyIncoming: boolean): void {
  if (httpsAddr !== undefined && !hasTls) throw invalid('httpsAddr', 'needs tls.caFile, tls.certFile and tls.keyFile');
  if (verifyIncoming && httpsAddr === undefined) throw invalid('verifyIncoming', 'applies to the HTTPS API: set httpsAddr too');
}

/** readPem reads a PEM file named by a config field; a missing or unreadable file is InvalidInput naming the field. */
export function readPem(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw invalid(field, `cannot read ${path}: ${(e as Error).message}`);
  }
}

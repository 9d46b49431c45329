import { ACCESSOR_ID, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, SECRET_HASH, validateRules, type TokenValue } from '../acl.js';
import { MAX_CLOCK_DRIFT_MS, hlcTooFarAhead } from '../hlc.js';
import { truncateOutput } from '../health/output.js';
import { parseKey, type ParsedKey } from '../keys.js';
import type { Rec } from '../records.js';
import { HEALTH_REASONS, type HealthCheckConfig, type HealthValue, type InstanceValue, type NamespaceValue, type ServiceValue } from '../types.js';
import {
  asObject,
  CHECK_FIELDS,
  MAX_CREATOR_REQUEST_ID_CHARS,
  validateAwsKeys,
  validateServiceAttributes,
  validateTags,
  MAX_DESCRIPTION_CHARS,
  MIN_CHECK_INTERVAL_MS,
  optInt,
  optString,
  validateAttributes,
  validateDnsConfig,
  validateHealthCheck,
  validateInstanceId,
  validateNamespaceBody,
  validateNamespaceName,
  validateServiceName,
  type Obj,
} from '../validate.js';

/** MAX_NODE_NAME_CHARS bounds the writer name of a record taken from the wire. */
export const MAX_NODE_NAME_CHARS = 256;

/** RecordRejected is why a record from a peer was dropped (internal: validateRecord turns it into undefined). */
class RecordRejected extends Error {}

function reject(why: string): never {
  throw new RecordRejected(why);
}

/**
 * validateRecord checks one record from the wire as strictly as API input and returns
 * a clean copy, or undefined when it must be dropped: a key that does not parse, a
 * version that is not a safe integer, a writer name that is not a short string, an
 * HLC too far in the future (it would win every merge forever), or a body that the
 * API would have refused (names, attributes, DNS and health-check configs, per key
 * kind) or whose namespace, service or id disagree with its key. Only known fields
 * are copied, so no junk is stored.
 */
export function validateRecord(raw: unknown, nowMs: number, maxDriftMs = MAX_CLOCK_DRIFT_MS): Rec | undefined {
  try {
    return checkRecord(raw, nowMs, maxDriftMs);
  } catch {
    // Both our own RecordRejected and the API validators' InvalidInput mean: drop it.
    return undefined;
  }
}

function checkRecord(raw: unknown, nowMs: number, maxDriftMs: number): Rec {
  const r = asObject(raw, 'record', ['key', 'value', 'hlc', 'node', 'seq', 'deletedAtMs']);
  const { key, hlc, node, seq, value, deletedAtMs } = r;
  if (typeof key !== 'string') reject('key');
  const p = parseKey(key);
  if (!p) reject('key');
  if (!isSafeNat(hlc)) reject('hlc');
  if (hlcTooFarAhead(hlc as number, nowMs, maxDriftMs)) reject('hlc in the future');
  if (!isSafeNat(seq) || seq < 1) reject('seq');
  if (typeof node !== 'string' || node.length === 0 || node.length > MAX_NODE_NAME_CHARS) reject('node');
  if (deletedAtMs !== undefined && !isSafeNat(deletedAtMs)) reject('deletedAtMs');
  const out: Rec = { key, value: value === null ? null : checkValue(p, value), hlc, node, seq };
  if (deletedAtMs !== undefined) out.deletedAtMs = deletedAtMs;
  return out;
}

function checkValue(p: ParsedKey, v: unknown): NamespaceValue | ServiceValue | InstanceValue | HealthValue | TokenValue {
  switch (p.kind) {
    case 'n':
      return checkNamespace(p, v);
    case 's':
      return checkService(p, v);
    case 'i':
      return checkInstance(p, v);
    case 'h':
      return checkHealth(v);
    case 't':
      return checkToken(p, v);
  }
}

/**
 * checkToken holds a peer's ACL token to the API's rules: a UUID accessor matching its
 * key, a SHA-256 hex hash, valid rules, and an AWS key pair whole and well-formed or absent.
 */
function checkToken(p: ParsedKey, v: unknown): TokenValue {
  const o = asObject(v, 'value', ['accessorId', 'secretHash', 'description', 'rules', 'createdAtMs', 'awsAccessKeyId', 'awsSecretAccessKey']);
  if (o.accessorId !== p.id || typeof o.accessorId !== 'string' || !ACCESSOR_ID.test(o.accessorId)) reject('accessorId');
  if (typeof o.secretHash !== 'string' || !SECRET_HASH.test(o.secretHash)) reject('secretHash');
  const description = optString(o, 'description', 'description', 1024);
  if (description === undefined) reject('description');
  const out: TokenValue = { accessorId: o.accessorId, secretHash: o.secretHash, description, rules: validateRules(o.rules), createdAtMs: nat(o, 'createdAtMs') };
  if (o.awsAccessKeyId !== undefined || o.awsSecretAccessKey !== undefined) {
    if (typeof o.awsAccessKeyId !== 'string' || !AWS_ACCESS_KEY_ID.test(o.awsAccessKeyId)) reject('awsAccessKeyId');
    if (typeof o.awsSecretAccessKey !== 'string' || !AWS_SECRET_ACCESS_KEY.test(o.awsSecretAccessKey)) reject('awsSecretAccessKey');
    out.awsAccessKeyId = o.awsAccessKeyId;
    out.awsSecretAccessKey = o.awsSecretAccessKey;
  }
  return out;
}

function checkNamespace(p: ParsedKey, v: unknown): NamespaceValue {
  const o = asObject(v, 'value', ['name', 'type', 'description', 'soaTtl', 'createdAtMs', 'creatorRequestId', 'tags']);
  if (o.name !== p.ns || validateNamespaceName(o.name) !== o.name) reject('namespace name');
  // An HTTP namespace stores soaTtl 0, which the API body may not name.
  const body = validateNamespaceBody(o.type === 'HTTP' ? { type: o.type, description: o.description } : { type: o.type, description: o.description, soaTtl: o.soaTtl });
  if (body.soaTtl !== o.soaTtl || o.description === undefined) reject('namespace body');
  const out: NamespaceValue = { name: p.ns, type: body.type, description: body.description, soaTtl: body.soaTtl, createdAtMs: nat(o, 'createdAtMs') };
  return withCloudMapFields(o, out);
}

function checkService(p: ParsedKey, v: unknown): ServiceValue {
  const o = asObject(v, 'value', ['namespace', 'name', 'description', 'dns', 'healthCheck', 'deregisterAfterUnhealthyMs', 'createdAtMs', 'creatorRequestId', 'tags', 'serviceAttributes']);
  if (o.namespace !== p.ns || o.name !== p.svc || validateServiceName(o.name) !== o.name) reject('service name');
  const description = optString(o, 'description', 'description', MAX_DESCRIPTION_CHARS);
  if (description === undefined) reject('description');
  if (o.dns === undefined || o.healthCheck === undefined) reject('dns and healthCheck must be present (or null)');
  const out: ServiceValue = {
    namespace: o.namespace,
    name: o.name,
    description,
    dns: o.dns === null ? null : validateDnsConfig(o.dns),
    healthCheck: o.healthCheck === null ? null : validateHealthCheck(o.healthCheck),
    createdAtMs: nat(o, 'createdAtMs'),
  };
  const dau = optInt(o, 'deregisterAfterUnhealthyMs', 'deregisterAfterUnhealthyMs', 1000, 30 * 24 * 3_600_000);
  if (dau !== undefined) out.deregisterAfterUnhealthyMs = dau;
  if (o.serviceAttributes !== undefined) out.serviceAttributes = validateServiceAttributes(o.serviceAttributes);
  return withCloudMapFields(o, out);
}

function checkInstance(p: ParsedKey, v: unknown): InstanceValue {
  const o = asObject(v, 'value', ['namespace', 'service', 'id', 'attributes', 'owner', 'registeredAtMs', 'drainUntilMs', 'healthCheck', 'creatorRequestId', 'awsKeys']);
  if (o.namespace !== p.ns || o.service !== p.svc || o.id !== p.id || validateInstanceId(o.id) !== o.id) reject('instance names');
  if (typeof o.namespace !== 'string' || typeof o.service !== 'string') reject('instance names');
  if (typeof o.owner !== 'string' || o.owner.length === 0 || o.owner.length > MAX_NODE_NAME_CHARS) reject('owner');
  if (o.attributes === undefined) reject('attributes');
  const out: InstanceValue = {
    namespace: o.namespace,
    service: o.service,
    id: o.id,
    attributes: validateAttributes(o.attributes),
    owner: o.owner,
    registeredAtMs: nat(o, 'registeredAtMs'),
  };
  if (o.drainUntilMs !== undefined) out.drainUntilMs = nat(o, 'drainUntilMs');
  if (o.healthCheck !== undefined) out.healthCheck = checkOverride(o.healthCheck);
  if (o.awsKeys !== undefined) out.awsKeys = validateAwsKeys(o.awsKeys);
  return withCloudMapFields(o, out);
}

/** withCloudMapFields copies the optional Cloud Map API fields (creatorRequestId, tags) after checking them as the API does. */
function withCloudMapFields<T extends { creatorRequestId?: string; tags?: Record<string, string> }>(o: Obj, out: T): T {
  const crid = optString(o, 'creatorRequestId', 'creatorRequestId', MAX_CREATOR_REQUEST_ID_CHARS);
  if (crid !== undefined) out.creatorRequestId = crid;
  if (o.tags !== undefined) (out as { tags?: Record<string, string> }).tags = validateTags(o.tags);
  return out;
}

/**
 * checkOverride checks an instance's health-check override on its own: the service it
 * overrides may not have arrived yet, so each field is held to validateHealthCheck's
 * bounds and the merge is checked where it is used (core/health/config.ts).
 */
function checkOverride(v: unknown): Partial<HealthCheckConfig> {
  const o = asObject(v, 'healthCheck', CHECK_FIELDS);
  const out: Partial<HealthCheckConfig> = {};
  if (o.type !== undefined) {
    if (o.type !== 'HTTP' && o.type !== 'HTTPS' && o.type !== 'TCP' && o.type !== 'TTL' && o.type !== 'CUSTOM') reject('healthCheck.type');
    out.type = o.type;
  }
  const path = optString(o, 'path', 'healthCheck.path', 1024);
  if (path !== undefined) {
    if (!path.startsWith('/') || !/^[!-~]*$/.test(path)) reject('healthCheck.path');
    out.path = path;
  }
  for (const [k, min, max] of INT_BOUNDS) {
    const n = optInt(o, k, `healthCheck.${k}`, min, max);
    if (n !== undefined) out[k] = n;
  }
  if (o.insecureSkipVerify !== undefined) {
    if (typeof o.insecureSkipVerify !== 'boolean') reject('healthCheck.insecureSkipVerify');
    out.insecureSkipVerify = o.insecureSkipVerify;
  }
  return out;
}

/** INT_BOUNDS are validateHealthCheck's bounds on the integer fields of a check config. */
const INT_BOUNDS: [key: 'intervalMs' | 'timeoutMs' | 'failureThreshold' | 'successThreshold' | 'ttlMs', min: number, max: number][] = [
  ['intervalMs', MIN_CHECK_INTERVAL_MS, 3_600_000],
  ['timeoutMs', 1, 3_600_000],
  ['failureThreshold', 1, 10],
  ['successThreshold', 1, 10],
  ['ttlMs', 100, 24 * 3_600_000],
];

function checkHealth(v: unknown): HealthValue {
  const o = asObject(v, 'value', ['status', 'reason', 'output', 'changedAtMs', 'consecutiveSuccesses', 'consecutiveFailures']);
  if (o.status !== 'HEALTHY' && o.status !== 'UNHEALTHY') reject('status');
  const reason = HEALTH_REASONS.find((r) => r === o.reason);
  if (reason === undefined) reject('reason');
  // Outputs are cut to MAX_OUTPUT_BYTES by their writer; a longer one did not come from a well-behaved owner.
  if (typeof o.output !== 'string' || truncateOutput(o.output) !== o.output) reject('output');
  return {
    status: o.status,
    reason,
    output: o.output,
    changedAtMs: nat(o, 'changedAtMs'),
    consecutiveSuccesses: nat(o, 'consecutiveSuccesses'),
    consecutiveFailures: nat(o, 'consecutiveFailures'),
  };
}

function isSafeNat(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function nat(o: Obj, k: string): number {
  const v = o[k];
  if (!isSafeNat(v)) reject(k);
  return v;
}

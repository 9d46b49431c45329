/**
 * Input validation, as Cloud Map does it: names, attributes and their limits, and the
 * namespace, service, DNS and health-check configs, with defaults filled in. Every
 * error is InvalidInput and names the offending field, so users can fix their input
 * without guessing. Validation is pure and runs before anything is written.
 */
import { invalid } from './errors.js';
import { validateHealthCheck, validateHealthCheckOverride, validateHealthStatus } from './health/validate.js';
import type { HealthCheckConfig, NamespaceType, RoutingPolicy, DnsRecordType, ServiceDnsConfig, ServiceValue } from './types.js';
import { asObject, oneOf, optInt, optString } from './validate-fields.js';

// One import point for every validator: the field readers and the health-input validators
// live in their own files (one concern each) and are re-exported here under their old names.
export { asObject, oneOf, optInt, optString, type Obj } from './validate-fields.js';
export {
  effectiveCheck,
  HEALTH_CHECK_TYPES,
  HEALTH_STATUSES,
  MAX_CHECK_INTERVAL_MS,
  CHECK_FIELDS,
  MAX_NOTE_CHARS,
  MAX_TTL_MS,
  MIN_TTL_MS,
  validateCustomHealthBody,
  validateDrainMs,
  validateHealthCheck,
  validateHealthCheckOverride,
  validateHealthStatus,
  validateHeartbeatBody,
  type CustomHealthInput,
  type HeartbeatInput,
} from './health/validate.js';
export { MIN_CHECK_INTERVAL_MS } from './health/config.js';
export { MAX_DRAIN_MS } from './health/lifecycle.js';

/** RESERVED_ATTRIBUTES are the attribute keys with a meaning to DNS answers and health checks. */
export const RESERVED_ATTRIBUTES = ['ipv4', 'ipv6', 'port', 'cname', 'weight'] as const;
/** MAX_CUSTOM_ATTRIBUTES is Cloud Map's limit on attributes other than the reserved ones. */
export const MAX_CUSTOM_ATTRIBUTES = 30;
/** MAX_ATTRIBUTE_KEY_CHARS bounds one attribute key (Cloud Map). */
export const MAX_ATTRIBUTE_KEY_CHARS = 255;
/** MAX_ATTRIBUTE_VALUE_CHARS bounds one attribute value (Cloud Map). */
export const MAX_ATTRIBUTE_VALUE_CHARS = 1024;
/** MAX_ATTRIBUTES_TOTAL_CHARS bounds all keys and values of one instance together (Cloud Map). */
export const MAX_ATTRIBUTES_TOTAL_CHARS = 5000;
/** MAX_DESCRIPTION_CHARS bounds descriptions of namespaces and services (Cloud Map). */
export const MAX_DESCRIPTION_CHARS = 1024;
/** DEFAULT_DNS_TTL_S is the TTL of default DNS records: short, because instances come and go. */
export const DEFAULT_DNS_TTL_S = 10;
/** DEFAULT_SOA_TTL_S is the default SOA/negative-caching TTL of DNS namespaces (Cloud Map uses 15). */
export const DEFAULT_SOA_TTL_S = 15;

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;
const INSTANCE_ID = /^[0-9a-zA-Z_/:.@-]{1,64}$/;
const ATTR_KEY = /^[!-~]+$/;
/** FORBIDDEN_ATTRIBUTE_KEYS are keys that reach Object.prototype when used as plain-object keys (`__proto__` was silently dropped). */
const FORBIDDEN_ATTRIBUTE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const ATTR_VALUE = /^[ \t!-~]*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** isDnsName reports whether s (already lower-cased) is a DNS name of labels joined by dots. */
export function isDnsName(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  return s.split('.').every((l) => LABEL.test(l));
}

/** validateNamespaceName returns the lower-cased namespace name, or throws naming `field`. */
export function validateNamespaceName(name: unknown, field = 'namespace'): string {
  if (typeof name !== 'string') throw invalid(field, 'must be a string');
  const n = name.toLowerCase().replace(/\.$/, '');
  if (!isDnsName(n)) throw invalid(field, `"${name.slice(0, 80)}" is not a DNS name (labels of a-z, 0-9, '-', '_', at most 63 characters each, 253 in all)`);
  return n;
}

/** validateServiceName returns the lower-cased service name (one DNS label), or throws naming `field`. */
export function validateServiceName(name: unknown, field = 'service'): string {
  if (typeof name !== 'string') throw invalid(field, 'must be a string');
  const n = name.toLowerCase();
  if (!LABEL.test(n)) throw invalid(field, `"${name.slice(0, 80)}" is not a DNS label (a-z, 0-9, '-', '_', 1 to 63 characters)`);
  return n;
}

/** validateInstanceId checks an instance id against Cloud Map's pattern. */
export function validateInstanceId(id: unknown, field = 'id'): string {
  if (typeof id !== 'string' || !INSTANCE_ID.test(id)) throw invalid(field, 'must match ^[0-9a-zA-Z_/:.@-]{1,64}$');
  // URL clients resolve "." and ".." path segments away, so such an instance could never be read or deleted.
  if (id === '.' || id === '..') throw invalid(field, `"${id}" is not an instance id`);
  return id;
}

/** validateAttributeKey checks one attribute key (body or `attr.`/`optional.` query filter); `field` names it in the error. */
export function validateAttributeKey(k: string, field: string): string {
  if (k.length === 0 || k.length > MAX_ATTRIBUTE_KEY_CHARS) throw invalid(field, `key must be 1-${MAX_ATTRIBUTE_KEY_CHARS} characters`);
  if (!ATTR_KEY.test(k)) throw invalid(field, 'key must be printable ASCII without spaces');
  if (FORBIDDEN_ATTRIBUTE_KEYS.has(k)) throw invalid(field, `"${k}" is not allowed as an attribute key`);
  return k;
}

/** isIpv4 reports whether s is a dotted-quad IPv4 address. */
export function isIpv4(s: string): boolean {
  return IPV4.test(s);
}

/** isIpv6 reports whether s is a textual IPv6 address (RFC 4291 §2.2, with an optional embedded IPv4 tail). */
export function isIpv6(s: string): boolean {
  if (s.length > 45 || !/^[0-9a-fA-F:.]+$/.test(s)) return false;
  let groups = s;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    // An embedded IPv4 tail stands for the last two groups.
    if (!isIpv4(s.slice(lastColon + 1))) return false;
    groups = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = groups.split('::');
  if (halves.length > 2) return false;
  const parse = (h: string) => (h === '' ? [] : h.split(':'));
  const parts = halves.flatMap(parse);
  if (!parts.every((p) => /^[0-9a-fA-F]{1,4}$/.test(p))) return false;
  return halves.length === 2 ? parts.length < 8 : parts.length === 8;
}

/**
 * validateAttributes checks an instance's attributes: string values, Cloud Map's
 * limits, and well-formed reserved keys (ipv4, ipv6, port 1-65535, cname, weight 0-65535).
 */
export function validateAttributes(v: unknown, field = 'attributes'): Record<string, string> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(field, 'must be an object of strings');
  const out: Record<string, string> = {};
  let custom = 0;
  let total = 0;
  for (const [k, val] of Object.entries(v)) {
    const f = `${field}.${k.slice(0, 64)}`;
    validateAttributeKey(k, f);
    if (typeof val !== 'string') throw invalid(f, 'must be a string');
    if (val.length > MAX_ATTRIBUTE_VALUE_CHARS) throw invalid(f, `must be at most ${MAX_ATTRIBUTE_VALUE_CHARS} characters`);
    if (!ATTR_VALUE.test(val)) throw invalid(f, 'must be printable ASCII');
    if (!(RESERVED_ATTRIBUTES as readonly string[]).includes(k)) custom++;
    total += k.length + val.length;
    out[k] = val;
  }
  if (custom > MAX_CUSTOM_ATTRIBUTES) throw invalid(field, `at most ${MAX_CUSTOM_ATTRIBUTES} custom attributes (got ${custom})`);
  if (total > MAX_ATTRIBUTES_TOTAL_CHARS) throw invalid(field, `keys and values must total at most ${MAX_ATTRIBUTES_TOTAL_CHARS} characters (got ${total})`);
  if (out.ipv4 !== undefined && !isIpv4(out.ipv4)) throw invalid(`${field}.ipv4`, 'must be an IPv4 address');
  if (out.ipv6 !== undefined && !isIpv6(out.ipv6)) throw invalid(`${field}.ipv6`, 'must be an IPv6 address');
  if (out.port !== undefined && !/^\d{1,5}$/.test(out.port)) throw invalid(`${field}.port`, 'must be a port number 1-65535');
  if (out.port !== undefined && (Number(out.port) < 1 || Number(out.port) > 65535)) throw invalid(`${field}.port`, 'must be a port number 1-65535');
  if (out.weight !== undefined && !(/^\d{1,5}$/.test(out.weight) && Number(out.weight) <= 65535)) throw invalid(`${field}.weight`, 'must be an integer 0-65535');
  if (out.cname !== undefined && !isDnsName(out.cname.toLowerCase().replace(/\.$/, ''))) throw invalid(`${field}.cname`, 'must be a DNS name');
  for (const k of ['initialHealth', 'AWS_INIT_HEALTH_STATUS']) {
    if (out[k] !== undefined) validateHealthStatus(out[k], `${field}.${k}`);
  }
  return out;
}

/** MAX_CREATOR_REQUEST_ID_CHARS bounds a Cloud Map CreatorRequestId (the model's limit). */
export const MAX_CREATOR_REQUEST_ID_CHARS = 64;
/** MAX_TAGS is Cloud Map's limit on the tags of one resource. */
export const MAX_TAGS = 50;
/** AWS_KEYS are the reserved attributes that the Cloud Map API names AWS_INSTANCE_*. */
export const AWS_KEYS: readonly string[] = ['ipv4', 'ipv6', 'port', 'cname'];

/** validateTags checks a record's tags: at most MAX_TAGS, keys 1-128 and values 0-256 characters (Cloud Map's limits). */
export function validateTags(v: unknown, field = 'tags'): Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(field, 'must be an object of strings');
  const out: Record<string, string> = {};
  const entries = Object.entries(v);
  if (entries.length > MAX_TAGS) throw invalid(field, `at most ${MAX_TAGS} tags`);
  for (const [k, val] of entries) {
    if (k.length === 0 || k.length > 128 || FORBIDDEN_ATTRIBUTE_KEYS.has(k)) throw invalid(`${field}.${k.slice(0, 64)}`, 'key must be 1-128 characters');
    if (typeof val !== 'string' || val.length > 256) throw invalid(`${field}.${k.slice(0, 64)}`, 'value must be a string of at most 256 characters');
    out[k] = val;
  }
  return out;
}

/** MAX_SERVICE_ATTRIBUTES is Cloud Map's limit on the attributes of one service. */
export const MAX_SERVICE_ATTRIBUTES = 30;

/** validateServiceAttributes checks a service's Cloud Map attributes: at most 30, keys 1-255 and values 0-1024 characters. */
export function validateServiceAttributes(v: unknown, field = 'serviceAttributes'): Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(field, 'must be an object of strings');
  const out: Record<string, string> = {};
  const entries = Object.entries(v);
  if (entries.length > MAX_SERVICE_ATTRIBUTES) throw invalid(field, `at most ${MAX_SERVICE_ATTRIBUTES} attributes`);
  for (const [k, val] of entries) {
    validateAttributeKey(k, `${field}.${k.slice(0, 64)}`);
    if (typeof val !== 'string' || val.length > MAX_ATTRIBUTE_VALUE_CHARS) throw invalid(`${field}.${k.slice(0, 64)}`, `must be a string of at most ${MAX_ATTRIBUTE_VALUE_CHARS} characters`);
    out[k] = val;
  }
  return out;
}

/** validateAwsKeys checks an instance's list of attributes registered under their AWS_INSTANCE_* names. */
export function validateAwsKeys(v: unknown, field = 'awsKeys'): string[] {
  if (!Array.isArray(v) || v.length > AWS_KEYS.length || !v.every((k) => typeof k === 'string' && AWS_KEYS.includes(k))) {
    throw invalid(field, `must be a list of ${AWS_KEYS.join(', ')}`);
  }
  return [...(v as string[])];
}

/** NamespaceInput is a validated namespace body (PUT /v1/namespaces/{ns}). */
export interface NamespaceInput {
  type: NamespaceType;
  description: string;
  soaTtl: number;
}

/** validateNamespaceBody checks `{type, description?, soaTtl?}` and fills in defaults. */
export function validateNamespaceBody(body: unknown, field = ''): NamespaceInput {
  const p = (k: string) => (field ? `${field}.${k}` : k);
  const o = asObject(body ?? {}, field, ['type', 'description', 'soaTtl']);
  const type = oneOf<NamespaceType>(o.type, p('type'), ['DNS', 'HTTP']);
  const description = optString(o, 'description', p('description'), MAX_DESCRIPTION_CHARS) ?? '';
  const soaTtl = optInt(o, 'soaTtl', p('soaTtl'), 0, 86_400);
  if (type === 'HTTP' && soaTtl !== undefined) throw invalid(p('soaTtl'), 'only DNS namespaces have an SOA TTL');
  return { type, description, soaTtl: soaTtl ?? (type === 'DNS' ? DEFAULT_SOA_TTL_S : 0) };
}

/** defaultDnsConfig is what a DNS namespace's service publishes when it says nothing: A and SRV, TTL 10. */
export function defaultDnsConfig(): ServiceDnsConfig {
  return {
    routingPolicy: 'MULTIVALUE',
    records: [
      { type: 'A', ttl: DEFAULT_DNS_TTL_S },
      { type: 'SRV', ttl: DEFAULT_DNS_TTL_S },
    ],
  };
}

/** validateDnsConfig checks a service's DNS config (Cloud Map's rules: unique types, CNAME alone and WEIGHTED). */
export function validateDnsConfig(v: unknown, field = 'dns'): ServiceDnsConfig {
  const o = asObject(v, field, ['routingPolicy', 'records']);
  const routingPolicy = o.routingPolicy === undefined ? 'MULTIVALUE' : oneOf<RoutingPolicy>(o.routingPolicy, `${field}.routingPolicy`, ['MULTIVALUE', 'WEIGHTED']);
  if (!Array.isArray(o.records) || o.records.length === 0 || o.records.length > 4) throw invalid(`${field}.records`, 'must be a list of 1 to 4 records');
  const seen = new Set<DnsRecordType>();
  const records = o.records.map((r, i) => {
    const f = `${field}.records[${i}]`;
    const ro = asObject(r, f, ['type', 'ttl']);
    const type = oneOf<DnsRecordType>(ro.type, `${f}.type`, ['A', 'AAAA', 'SRV', 'CNAME']);
    if (seen.has(type)) throw invalid(`${f}.type`, `duplicate record type ${type}`);
    seen.add(type);
    const ttl = optInt(ro, 'ttl', `${f}.ttl`, 0, 604_800) ?? DEFAULT_DNS_TTL_S;
    return { type, ttl };
  });
  if (seen.has('CNAME') && seen.size > 1) throw invalid(`${field}.records`, 'a CNAME record cannot be combined with other types');
  if (seen.has('CNAME') && routingPolicy !== 'WEIGHTED') throw invalid(`${field}.routingPolicy`, 'CNAME records need WEIGHTED routing');
  return { routingPolicy, records };
}

/** ServiceInput is a validated service body (PUT /v1/namespaces/{ns}/services/{svc}). */
export interface ServiceInput {
  description: string;
  dns: ServiceDnsConfig | null;
  healthCheck: HealthCheckConfig | null;
  deregisterAfterUnhealthyMs?: number;
}

/**
 * validateServiceBody checks `{dns?, healthCheck?, description?, deregisterAfterUnhealthyMs?}`
 * for a namespace of the given type. A DNS namespace's service without `dns` gets
 * A + SRV (TTL 10); an HTTP namespace's service may not have `dns` (as in Cloud Map).
 */
export function validateServiceBody(body: unknown, nsType: NamespaceType, field = ''): ServiceInput {
  const p = (k: string) => (field ? `${field}.${k}` : k);
  const o = asObject(body ?? {}, field, ['dns', 'healthCheck', 'description', 'deregisterAfterUnhealthyMs']);
  const description = optString(o, 'description', p('description'), MAX_DESCRIPTION_CHARS) ?? '';
  let dns: ServiceDnsConfig | null = null;
  if (o.dns !== undefined && o.dns !== null) {
    if (nsType === 'HTTP') throw invalid(p('dns'), 'services of an HTTP namespace have no DNS config');
    dns = validateDnsConfig(o.dns, p('dns'));
  } else if (nsType === 'DNS') {
    dns = defaultDnsConfig();
  }
  const healthCheck = o.healthCheck === undefined || o.healthCheck === null ? null : validateHealthCheck(o.healthCheck, p('healthCheck'));
  const out: ServiceInput = { description, dns, healthCheck };
  const dau = optInt(o, 'deregisterAfterUnhealthyMs', p('deregisterAfterUnhealthyMs'), 1000, 30 * 24 * 3_600_000);
  if (dau !== undefined) out.deregisterAfterUnhealthyMs = dau;
  return out;
}

/**
 * checkInstanceForService applies Cloud Map's registration rules: each published
 * record type needs its attribute (A: ipv4, AAAA: ipv6, SRV: port and an address,
 * CNAME: cname), and network checks (HTTP, HTTPS, TCP) need an address and a port.
 */
export function checkInstanceForService(
  attrs: Record<string, string>,
  svc: Pick<ServiceValue, 'dns' | 'healthCheck'>,
  check: HealthCheckConfig | null = svc.healthCheck,
  field = 'attributes',
): void {
  for (const r of svc.dns?.records ?? []) {
    if (r.type === 'A' && attrs.ipv4 === undefined) throw invalid(`${field}.ipv4`, 'is required: the service publishes A records');
    if (r.type === 'AAAA' && attrs.ipv6 === undefined) throw invalid(`${field}.ipv6`, 'is required: the service publishes AAAA records');
    if (r.type === 'CNAME' && attrs.cname === undefined) throw invalid(`${field}.cname`, 'is required: the service publishes CNAME records');
    if (r.type === 'SRV') {
      if (attrs.port === undefined) throw invalid(`${field}.port`, 'is required: the service publishes SRV records');
      if (attrs.ipv4 === undefined && attrs.ipv6 === undefined) throw invalid(`${field}.ipv4`, 'an address (ipv4 or ipv6) is required: the service publishes SRV records');
    }
  }
  if (check && (check.type === 'HTTP' || check.type === 'HTTPS' || check.type === 'TCP')) {
    if (attrs.ipv4 === undefined && attrs.ipv6 === undefined) throw invalid(`${field}.ipv4`, `an address (ipv4 or ipv6) is required by the ${check.type} health check`);
    if (attrs.port === undefined) throw invalid(`${field}.port`, `is required by the ${check.type} health check`);
  }
}

/** InstanceInput is a validated instance body (PUT .../instances/{id}). */
export interface InstanceInput {
  attributes: Record<string, string>;
  healthCheck?: Partial<HealthCheckConfig>;
}

/** validateInstanceBody checks `{attributes, healthCheck?}` against the service it registers in. */
export function validateInstanceBody(body: unknown, svc: ServiceValue, field = ''): InstanceInput {
  const p = (k: string) => (field ? `${field}.${k}` : k);
  const o = asObject(body ?? {}, field, ['attributes', 'healthCheck']);
  const attributes = validateAttributes(o.attributes, p('attributes'));
  const out: InstanceInput = { attributes };
  let effective = svc.healthCheck;
  if (o.healthCheck !== undefined && o.healthCheck !== null) {
    const r = validateHealthCheckOverride(o.healthCheck, svc.healthCheck, p('healthCheck'));
    out.healthCheck = r.override;
    effective = r.effective;
  }
  checkInstanceForService(attributes, svc, effective, p('attributes'));
  return out;
}

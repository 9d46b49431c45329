/**
 * Cloud Map ids and ARNs, derived from names so that every node agrees without
 * replicating anything: `ns-` + 16 base-36 characters of SHA-256(namespace name), and
 * `srv-` + 16 of SHA-256(namespace + '/' + service). Inputs take an id or an ARN.
 */
import { createHash } from 'node:crypto';
import type { Registry } from '../../core/registry.js';
import type { NamespaceValue, ServiceValue } from '../../core/types.js';
import { CloudMapError, cmInvalid } from './errors.js';

/** CLOUDMAP_ACCOUNT is the fixed 12-digit account of every ARN. */
export const CLOUDMAP_ACCOUNT = '000000000000';
/** DEFAULT_REGION is the region of ARNs when the request's credential scope names none. */
export const DEFAULT_REGION = 'us-east-1';

function hash16(s: string): string {
  const d = createHash('sha256').update(s).digest();
  let out = '';
  for (let i = 0; i < 16; i++) out += (d[i]! % 36).toString(36);
  return out;
}

/** namespaceId is the Cloud Map id of a namespace name. */
export function namespaceId(ns: string): string {
  return `ns-${hash16(`n|${ns}`)}`;
}

/** serviceId is the Cloud Map id of a service. */
export function serviceId(ns: string, svc: string): string {
  return `srv-${hash16(`s|${ns}|${svc}`)}`;
}

/** namespaceArn is a namespace's ARN in `region`. */
export function namespaceArn(ns: string, region: string): string {
  return `arn:aws:servicediscovery:${region}:${CLOUDMAP_ACCOUNT}:namespace/${namespaceId(ns)}`;
}

/** serviceArn is a service's ARN in `region`. */
export function serviceArn(ns: string, svc: string, region: string): string {
  return `arn:aws:servicediscovery:${region}:${CLOUDMAP_ACCOUNT}:service/${serviceId(ns, svc)}`;
}

/** idOf reads an id member that may also be an ARN; it returns the bare id. */
export function idOf(v: unknown, member: string, prefix: 'ns-' | 'srv-'): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 255) throw cmInvalid(member, 'is required: an id or an ARN');
  const slash = v.startsWith('arn:') ? v.lastIndexOf('/') : -1;
  const id = slash >= 0 ? v.slice(slash + 1) : v;
  if (!id.startsWith(prefix) || !/^[a-z0-9-]{1,64}$/.test(id)) throw cmInvalid(member, `"${v.slice(0, 80)}" is not a ${prefix}… id or ARN`);
  return id;
}

/** findNamespace resolves a namespace id to its live record, or throws NamespaceNotFound. */
export function findNamespace(reg: Registry, id: string): NamespaceValue {
  for (const n of reg.namespaces()) if (namespaceId(n.name) === id) return n;
  throw new CloudMapError('NamespaceNotFound', `namespace ${id} not found`);
}

/** findService resolves a service id to its live record, or throws ServiceNotFound. */
export function findService(reg: Registry, id: string): ServiceValue {
  for (const n of reg.namespaces()) for (const s of reg.services(n.name)) if (serviceId(n.name, s.name) === id) return s;
  throw new CloudMapError('ServiceNotFound', `service ${id} not found`);
}

/** regionOf reads the region from a SigV4 Authorization header's credential scope. */
export function regionOf(authorization: string | undefined): string {
  const m = /Credential=[^/]*\/\d{8}\/([a-z0-9-]{1,32})\//.exec(authorization ?? '');
  return m ? m[1]! : DEFAULT_REGION;
}

/**
 * Native records shown in Cloud Map's shapes (Namespace, Service, Instance), and the
 * mapping of attributes: AWS_INSTANCE_IPV4/IPV6/PORT/CNAME are stored as the native
 * ipv4/ipv6/port/cname (so DNS and both APIs use them), and `awsKeys` remembers which
 * were given under their AWS name, so an instance reads back exactly as registered.
 */
import { effectiveCheck } from '../../core/validate.js';
import type { InstanceView, Registry } from '../../core/registry.js';
import type { InstanceValue, NamespaceValue, ServiceValue } from '../../core/types.js';
import { cmInvalid } from './errors.js';
import { namespaceArn, namespaceId, serviceArn, serviceId } from './ids.js';
import { epochSeconds } from './input.js';

// The reserved-attribute mapping lives in the core, shared with the native API.
export { AWS_TO_NATIVE, awsAttributes, queryKey } from '../../core/aws-attributes.js';
import { awsAttributes, toNativeAttributes as coreToNative } from '../../core/aws-attributes.js';

/** toNativeAttributes renames AWS_INSTANCE_* keys (see core/aws-attributes.ts), naming the Cloud Map member on a conflict. */
export function toNativeAttributes(attrs: Record<string, string>, member = 'Attributes'): { attributes: Record<string, string>; awsKeys: string[] } {
  try {
    return coreToNative(attrs, member);
  } catch (e) {
    throw cmInvalid(member, (e as Error).message);
  }
}

/** awsHealth is an instance's Cloud Map health: UNKNOWN without any check, DRAINING counts as UNHEALTHY. */
export function awsHealth(reg: Registry, v: InstanceView, svc?: ServiceValue): 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN' {
  if (v.health === 'HEALTHY' && !effectiveCheck(v.value, svc ?? reg.service(v.value.namespace, v.value.service))) return 'UNKNOWN';
  return v.health === 'HEALTHY' ? 'HEALTHY' : 'UNHEALTHY';
}

/** namespaceShape is a namespace as Cloud Map's Namespace (ListNamespaces leaves out CreatorRequestId). */
export function namespaceShape(reg: Registry, n: NamespaceValue, region: string, withCreator = true): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Id: namespaceId(n.name),
    Arn: namespaceArn(n.name, region),
    Name: n.name,
    Type: n.type === 'HTTP' ? 'HTTP' : 'DNS_PRIVATE',
    Description: n.description,
    ServiceCount: reg.serviceCount(n.name),
    Properties: n.type === 'HTTP' ? { HttpProperties: { HttpName: n.name } } : { DnsProperties: { SOA: { TTL: n.soaTtl } }, HttpProperties: { HttpName: n.name } },
    CreateDate: epochSeconds(n.createdAtMs),
  };
  if (withCreator && n.creatorRequestId !== undefined) out.CreatorRequestId = n.creatorRequestId;
  return out;
}

/** serviceShape is a service as Cloud Map's Service. */
export function serviceShape(reg: Registry, s: ServiceValue, region: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Id: serviceId(s.namespace, s.name),
    Arn: serviceArn(s.namespace, s.name, region),
    Name: s.name,
    NamespaceId: namespaceId(s.namespace),
    Description: s.description,
    InstanceCount: reg.instanceCount(s.namespace, s.name),
    // A service without DNS records (any service of an HTTP namespace) is discoverable by API only.
    Type: s.dns ? 'DNS_HTTP' : 'HTTP',
    CreateDate: epochSeconds(s.createdAtMs),
  };
  if (s.dns) out.DnsConfig = { NamespaceId: namespaceId(s.namespace), RoutingPolicy: s.dns.routingPolicy, DnsRecords: s.dns.records.map((r) => ({ Type: r.type, TTL: r.ttl })) };
  const hc = s.healthCheck;
  if (hc?.type === 'CUSTOM') out.HealthCheckCustomConfig = { FailureThreshold: hc.failureThreshold };
  else if (hc && (hc.type === 'HTTP' || hc.type === 'HTTPS' || hc.type === 'TCP')) {
    out.HealthCheckConfig = { Type: hc.type, FailureThreshold: hc.failureThreshold, ...(hc.path !== undefined ? { ResourcePath: hc.path } : {}) };
  }
  if (s.creatorRequestId !== undefined) out.CreatorRequestId = s.creatorRequestId;
  return out;
}

/** instanceShape is an instance as Cloud Map's Instance. */
export function instanceShape(i: InstanceValue, withCreator = true): Record<string, unknown> {
  const out: Record<string, unknown> = { Id: i.id, Attributes: awsAttributes(i) };
  if (withCreator && i.creatorRequestId !== undefined) out.CreatorRequestId = i.creatorRequestId;
  return out;
}

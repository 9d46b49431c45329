/**
 * Service operations of the Cloud Map API, on the native commands: CreateService,
 * GetService, ListServices, UpdateService, DeleteService and the service attributes.
 * DnsConfig is the native `dns`, HealthCheckConfig an HTTP/HTTPS/TCP check and
 * HealthCheckCustomConfig a CUSTOM one.
 */
import { deleteService, putService } from '../../core/commands.js';
import { serviceKey } from '../../core/keys.js';
import type { NamespaceValue, ServiceValue } from '../../core/types.js';
import { validateServiceAttributes, validateServiceName } from '../../core/validate.js';
import type { CmContext, CmHandler } from './context.js';
import { CloudMapError, cmInvalid, withMembers } from './errors.js';
import { findNamespace, findService, idOf, namespaceId, serviceArn, serviceId } from './ids.js';
import { optEnum, optInt, optObject, optString, paginate, readTags, stringMap, type Members } from './input.js';
import { serviceShape } from './shapes.js';

/** dnsOf maps a DnsConfig member onto the native `dns` body. */
function dnsOf(dc: Members, member: string, routingPolicy?: string): Record<string, unknown> {
  const records = dc.DnsRecords;
  if (!Array.isArray(records)) throw cmInvalid(`${member}.DnsRecords`, 'is required (a list of {Type, TTL})');
  return {
    routingPolicy: optEnum(dc, 'RoutingPolicy', ['MULTIVALUE', 'WEIGHTED'] as const, `${member}.RoutingPolicy`) ?? routingPolicy ?? 'MULTIVALUE',
    records: records.map((r, i) => {
      const ro = (typeof r === 'object' && r !== null ? r : {}) as Members;
      const type = optEnum(ro, 'Type', ['A', 'AAAA', 'SRV', 'CNAME'] as const, `${member}.DnsRecords[${i}].Type`);
      if (!type) throw cmInvalid(`${member}.DnsRecords[${i}].Type`, 'is required');
      const ttl = optInt(ro, 'TTL', 0, 2_147_483_647, `${member}.DnsRecords[${i}].TTL`);
      if (ttl === undefined) throw cmInvalid(`${member}.DnsRecords[${i}].TTL`, 'is required');
      return { type, ttl };
    }),
  };
}

/** checkOf maps HealthCheckConfig / HealthCheckCustomConfig onto the native `healthCheck`. */
function checkOf(input: Members, member: string): Record<string, unknown> | undefined {
  const hc = optObject(input, 'HealthCheckConfig', `${member}HealthCheckConfig`);
  const custom = optObject(input, 'HealthCheckCustomConfig', `${member}HealthCheckCustomConfig`);
  if (hc && custom) throw cmInvalid(`${member}HealthCheckConfig`, 'cannot be combined with HealthCheckCustomConfig');
  if (custom) {
    const ft = optInt(custom, 'FailureThreshold', 1, 10, `${member}HealthCheckCustomConfig.FailureThreshold`);
    return { type: 'CUSTOM', ...(ft !== undefined ? { failureThreshold: ft } : {}) };
  }
  if (!hc) return undefined;
  const type = optEnum(hc, 'Type', ['HTTP', 'HTTPS', 'TCP'] as const, `${member}HealthCheckConfig.Type`);
  if (!type) throw cmInvalid(`${member}HealthCheckConfig.Type`, 'is required');
  const path = optString(hc, 'ResourcePath', 255, `${member}HealthCheckConfig.ResourcePath`);
  if (path !== undefined && type === 'TCP') throw cmInvalid(`${member}HealthCheckConfig.ResourcePath`, 'a TCP check has no path');
  const ft = optInt(hc, 'FailureThreshold', 1, 10, `${member}HealthCheckConfig.FailureThreshold`);
  return { type, ...(path !== undefined ? { path } : {}), ...(ft !== undefined ? { failureThreshold: ft } : {}) };
}

function withExtras(old: ServiceValue | undefined, value: ServiceValue): ServiceValue {
  const out: ServiceValue = { ...value };
  if (old?.creatorRequestId !== undefined) out.creatorRequestId = old.creatorRequestId;
  if (old?.tags) out.tags = old.tags;
  if (old?.serviceAttributes) out.serviceAttributes = old.serviceAttributes;
  return out;
}

/** SERVICE_MEMBERS renames native service fields to the Cloud Map members they come from. */
function serviceMembers(prefix: string): [RegExp, string | ((m: string, ...g: string[]) => string)][] {
  return [
    [/^dns\.records\[(\d+)\]\.ttl/, `${prefix}DnsConfig.DnsRecords[$1].TTL`],
    [/^dns\.records\[(\d+)\]\.type/, `${prefix}DnsConfig.DnsRecords[$1].Type`],
    [/^dns\.records/, `${prefix}DnsConfig.DnsRecords`],
    [/^dns\.routingPolicy/, `${prefix}DnsConfig.RoutingPolicy`],
    [/^dns/, `${prefix}DnsConfig`],
    [/^healthCheck\.failureThreshold/, `${prefix}HealthCheckConfig.FailureThreshold`],
    [/^healthCheck\.path/, `${prefix}HealthCheckConfig.ResourcePath`],
    [/^healthCheck/, `${prefix}HealthCheckConfig`],
    [/^description/, `${prefix}Description`],
  ];
}

/** write writes a service record (native validation already passed). */
async function write(c: CmContext, value: ServiceValue): Promise<void> {
  await c.node.write([{ key: serviceKey(value.namespace, value.name), value }]);
}

async function createService(c: CmContext, input: Members): Promise<Record<string, unknown>> {
  const name = validateServiceName(typeof input.Name === 'string' ? input.Name : undefined, 'Name');
  const dc = optObject(input, 'DnsConfig');
  const nsRef = input.NamespaceId ?? dc?.NamespaceId;
  if (nsRef === undefined) throw cmInvalid('NamespaceId', 'is required');
  const ns: NamespaceValue = findNamespace(c.reg, idOf(nsRef, 'NamespaceId', 'ns-'));
  const creatorRequestId = optString(input, 'CreatorRequestId', 64);
  const description = optString(input, 'Description', 1024) ?? '';
  const tags = readTags(input, 'Tags', false, name);
  const type = optEnum(input, 'Type', ['HTTP', 'DNS_HTTP', 'DNS'] as const);
  if (dc && ns.type === 'HTTP') throw cmInvalid('DnsConfig', 'services of an HTTP namespace have no DNS config');
  if (type === 'HTTP' && dc) throw cmInvalid('Type', 'an HTTP service has no DnsConfig');
  const healthCheck = checkOf(input, '');
  const old = c.reg.service(ns.name, name);
  if (old) {
    if (creatorRequestId !== undefined && old.creatorRequestId === creatorRequestId) return { Service: serviceShape(c.reg, old, c.region) };
    throw new CloudMapError('ServiceAlreadyExists', `service ${name} already exists in ${ns.name}`, {
      ServiceId: serviceId(ns.name, name),
      ServiceArn: serviceArn(ns.name, name, c.region),
      ...(old.creatorRequestId !== undefined ? { CreatorRequestId: old.creatorRequestId } : {}),
    });
  }
  const body: Record<string, unknown> = { description, ...(dc ? { dns: dnsOf(dc, 'DnsConfig') } : {}), ...(healthCheck ? { healthCheck } : {}) };
  const r = withMembers(serviceMembers(''), () => putService(c.reg, ns.name, name, body, c.cmd()));
  const value: ServiceValue = { ...r.value };
  // A DNS namespace's service without DnsConfig is discoverable by API only (Cloud Map's HTTP type).
  if (!dc) value.dns = null;
  if (creatorRequestId !== undefined) value.creatorRequestId = creatorRequestId;
  if (tags && Object.keys(tags).length) value.tags = tags;
  await write(c, value);
  return { Service: serviceShape(c.reg, value, c.region) };
}

/** UpdateService's rule (AWS): omitted DnsRecords / HealthCheckConfig are removed, a custom check stays, record types cannot change. */
async function updateService(c: CmContext, input: Members): Promise<Record<string, unknown>> {
  const s = findService(c.reg, idOf(input.Id, 'Id', 'srv-'));
  const change = optObject(input, 'Service');
  if (!change) throw cmInvalid('Service', 'is required');
  const description = optString(change, 'Description', 1024, 'Service.Description') ?? s.description;
  const dc = optObject(change, 'DnsConfig', 'Service.DnsConfig');
  let dns: Record<string, unknown> | null = null;
  if (dc) {
    if (!s.dns) throw cmInvalid('Service.DnsConfig', 'the service has no DNS config to update');
    dns = dnsOf(dc, 'Service.DnsConfig', s.dns.routingPolicy);
    const types = (dns.records as { type: string }[]).map((r) => r.type).sort().join(',');
    if (types !== s.dns.records.map((r) => r.type).sort().join(',')) throw cmInvalid('Service.DnsConfig.DnsRecords', 'record types cannot change');
  } else if (s.dns) {
    dns = { routingPolicy: s.dns.routingPolicy, records: s.dns.records };
  }
  let healthCheck: unknown = s.healthCheck?.type === 'CUSTOM' ? s.healthCheck : undefined;
  const hc = checkOf(change, 'Service.');
  if (hc) {
    if (s.healthCheck?.type === 'CUSTOM' || hc.type === 'CUSTOM') throw cmInvalid('Service.HealthCheckConfig', 'a custom health check cannot be changed');
    healthCheck = hc;
  }
  const body: Record<string, unknown> = { description, ...(dns ? { dns } : {}), ...(healthCheck ? { healthCheck } : {}) };
  if (s.deregisterAfterUnhealthyMs !== undefined) body.deregisterAfterUnhealthyMs = s.deregisterAfterUnhealthyMs;
  const r = withMembers(serviceMembers('Service.'), () => putService(c.reg, s.namespace, s.name, body, c.cmd()));
  const value = withExtras(s, r.value);
  if (!dns) value.dns = null;
  await write(c, value);
  return { OperationId: await c.ops.record('UPDATE_SERVICE', { SERVICE: serviceId(s.namespace, s.name) }, { namespaceId: namespaceId(s.namespace), serviceId: serviceId(s.namespace, s.name) }) };
}

function listServices(c: CmContext, input: Members): Record<string, unknown> {
  const filters = input.Filters ?? [];
  if (!Array.isArray(filters)) throw cmInvalid('Filters', 'must be a list');
  let namespaces = c.reg.namespaces();
  filters.forEach((f: Members, i) => {
    if (f?.Name !== 'NAMESPACE_ID') throw cmInvalid(`Filters[${i}].Name`, 'must be NAMESPACE_ID');
    const values = f.Values;
    if (!Array.isArray(values) || values.length === 0) throw cmInvalid(`Filters[${i}].Values`, 'must be a non-empty list of namespace ids');
    const cond = f.Condition ?? 'EQ';
    if (cond !== 'EQ' && cond !== 'IN') throw cmInvalid(`Filters[${i}].Condition`, 'must be EQ or IN');
    if (cond === 'EQ' && values.length !== 1) throw cmInvalid(`Filters[${i}].Values`, 'EQ takes one value');
    const ids = values.map((v, j) => idOf(v, `Filters[${i}].Values[${j}]`, 'ns-'));
    namespaces = namespaces.filter((n) => ids.includes(namespaceId(n.name)));
  });
  const list = namespaces.flatMap((n) => c.reg.services(n.name)).map((s) => ({ s, id: serviceId(s.namespace, s.name) }));
  list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const page = paginate(input, list, (e) => e.id);
  return { Services: page.items.map((e) => serviceShape(c.reg, e.s, c.region)), ...(page.next ? { NextToken: page.next } : {}) };
}

/** serviceOperations are the service handlers by operation name. */
export const serviceOperations: Record<string, CmHandler> = {
  CreateService: createService,
  UpdateService: updateService,
  ListServices: listServices,
  GetService: (c, input) => ({ Service: serviceShape(c.reg, findService(c.reg, idOf(input.Id, 'Id', 'srv-')), c.region) }),
  DeleteService: async (c, input) => {
    const s = findService(c.reg, idOf(input.Id, 'Id', 'srv-'));
    await c.node.write(deleteService(c.reg, s.namespace, s.name));
    return {};
  },
  GetServiceAttributes: (c, input) => {
    const s = findService(c.reg, idOf(input.ServiceId, 'ServiceId', 'srv-'));
    return { ServiceAttributes: { ServiceArn: serviceArn(s.namespace, s.name, c.region), Attributes: s.serviceAttributes ?? {} } };
  },
  UpdateServiceAttributes: async (c, input) => {
    const s = findService(c.reg, idOf(input.ServiceId, 'ServiceId', 'srv-'));
    const attrs = stringMap(input, 'Attributes', true, 30)!;
    if (Object.keys(attrs).length === 0) throw cmInvalid('Attributes', 'must not be empty');
    const merged = { ...(s.serviceAttributes ?? {}), ...attrs };
    if (Object.keys(merged).length > 30) throw new CloudMapError('ServiceAttributesLimitExceededException', 'a service has at most 30 attributes');
    await write(c, { ...s, serviceAttributes: validateServiceAttributes(merged, 'Attributes') });
    return {};
  },
  DeleteServiceAttributes: async (c, input) => {
    const s = findService(c.reg, idOf(input.ServiceId, 'ServiceId', 'srv-'));
    const keys = input.Attributes;
    if (!Array.isArray(keys) || keys.length === 0 || keys.length > 30 || !keys.every((k) => typeof k === 'string')) throw cmInvalid('Attributes', 'must be a list of 1-30 keys');
    const next = { ...(s.serviceAttributes ?? {}) };
    for (const k of keys as string[]) delete next[k];
    const value: ServiceValue = { ...s, serviceAttributes: next };
    if (Object.keys(next).length === 0) delete value.serviceAttributes;
    await write(c, value);
    return {};
  },
};

/**
 * Namespace operations of the Cloud Map API, on the native commands: Create{Http,
 * PrivateDns,PublicDns}Namespace, GetNamespace, ListNamespaces, DeleteNamespace and
 * Update{Http,PrivateDns,PublicDns}Namespace.
 */
import { deleteNamespace, putNamespace } from '../../core/commands.js';
import { namespaceKey } from '../../core/keys.js';
import type { NamespaceValue } from '../../core/types.js';
import { validateNamespaceName } from '../../core/validate.js';
import type { CmContext, CmHandler } from './context.js';
import { CloudMapError, cmInvalid } from './errors.js';
import { findNamespace, idOf, namespaceId } from './ids.js';
import { optObject, optString, paginate, readTags, reqString, type Members } from './input.js';
import { namespaceShape } from './shapes.js';

function soaTtlOf(input: Members): number | undefined {
  const props = optObject(input, 'Properties');
  const dns = props && optObject(props, 'DnsProperties', 'Properties.DnsProperties');
  const soa = dns && optObject(dns, 'SOA', 'Properties.DnsProperties.SOA');
  if (!soa) return undefined;
  const ttl = soa.TTL;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0 || ttl > 86_400) throw cmInvalid('Properties.DnsProperties.SOA.TTL', 'must be an integer 0-86400');
  return ttl;
}

function createNamespace(type: 'HTTP' | 'DNS', needsVpc: boolean): CmHandler {
  return async (c, input) => {
    const rawName = reqString(input, 'Name', 253);
    const name = validateNamespaceName(rawName, 'Name');
    const creatorRequestId = optString(input, 'CreatorRequestId', 64);
    const description = optString(input, 'Description', 1024) ?? '';
    if (needsVpc) reqString(input, 'Vpc', 64);
    const tags = readTags(input, 'Tags', false, name);
    const soaTtl = type === 'DNS' ? soaTtlOf(input) : undefined;
    if (type === 'HTTP' && input.Properties !== undefined) throw cmInvalid('Properties', 'HTTP namespaces have no properties');
    const old = c.reg.namespace(name);
    if (old) {
      if (creatorRequestId !== undefined && old.creatorRequestId === creatorRequestId) {
        return { OperationId: await c.ops.record('CREATE_NAMESPACE', { NAMESPACE: namespaceId(name) }, { namespaceId: namespaceId(name) }) };
      }
      throw new CloudMapError('NamespaceAlreadyExists', `namespace ${name} already exists`, {
        NamespaceId: namespaceId(name),
        ...(old.creatorRequestId !== undefined ? { CreatorRequestId: old.creatorRequestId } : {}),
      });
    }
    const r = putNamespace(c.reg, name, { type, description, ...(soaTtl !== undefined ? { soaTtl } : {}) }, c.cmd());
    const value: NamespaceValue = { ...r.value };
    if (creatorRequestId !== undefined) value.creatorRequestId = creatorRequestId;
    if (tags && Object.keys(tags).length) value.tags = tags;
    await c.node.write([{ key: namespaceKey(name), value }]);
    return { OperationId: await c.ops.record('CREATE_NAMESPACE', { NAMESPACE: namespaceId(name) }, { namespaceId: namespaceId(name) }) };
  };
}

function updateNamespace(type: 'HTTP' | 'DNS'): CmHandler {
  return async (c, input) => {
    const n = findNamespace(c.reg, idOf(input.Id, 'Id', 'ns-'));
    optString(input, 'UpdaterRequestId', 64);
    const change = optObject(input, 'Namespace');
    if (!change) throw cmInvalid('Namespace', 'is required');
    if (n.type !== type) throw cmInvalid('Id', `namespace ${n.name} is of type ${n.type === 'DNS' ? 'DNS_PRIVATE' : 'HTTP'}`);
    const description = optString(change, 'Description', 1024, 'Namespace.Description') ?? n.description;
    const soaTtl = type === 'DNS' ? (soaTtlOf(change) ?? n.soaTtl) : undefined;
    const r = putNamespace(c.reg, n.name, { type, description, ...(soaTtl !== undefined ? { soaTtl } : {}) }, c.cmd());
    const value: NamespaceValue = { ...n, ...r.value };
    if (r.writes.length) await c.node.write([{ key: namespaceKey(n.name), value }]);
    return { OperationId: await c.ops.record('UPDATE_NAMESPACE', { NAMESPACE: namespaceId(n.name) }, { namespaceId: namespaceId(n.name) }) };
  };
}

const NAMESPACE_FILTERS = ['TYPE', 'NAME', 'HTTP_NAME', 'RESOURCE_OWNER'] as const;

function filterMatches(c: CmContext, n: NamespaceValue, f: Members, i: number): boolean {
  const name = f.Name;
  if (typeof name !== 'string' || !(NAMESPACE_FILTERS as readonly string[]).includes(name)) throw cmInvalid(`Filters[${i}].Name`, `must be one of ${NAMESPACE_FILTERS.join(', ')}`);
  const values = f.Values;
  if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'string')) throw cmInvalid(`Filters[${i}].Values`, 'must be a non-empty list of strings');
  const cond = f.Condition ?? (name === 'TYPE' ? 'IN' : 'EQ');
  if (cond !== 'EQ' && cond !== 'IN' && cond !== 'BEGINS_WITH') throw cmInvalid(`Filters[${i}].Condition`, 'must be one of EQ, IN, BEGINS_WITH');
  const shape = namespaceShape(c.reg, n, c.region);
  const actual = name === 'TYPE' ? String(shape.Type) : name === 'RESOURCE_OWNER' ? 'SELF' : n.name;
  const want = values as string[];
  if (cond === 'BEGINS_WITH') return want.some((v) => actual.startsWith(v.toLowerCase()));
  if (cond === 'EQ' && want.length !== 1) throw cmInvalid(`Filters[${i}].Values`, 'EQ takes one value');
  return want.some((v) => (name === 'TYPE' ? v : v.toLowerCase().replace(/\.$/, '')) === actual);
}

/** namespaceOperations are the namespace handlers by operation name. */
export const namespaceOperations: Record<string, CmHandler> = {
  CreateHttpNamespace: createNamespace('HTTP', false),
  CreatePrivateDnsNamespace: createNamespace('DNS', true),
  CreatePublicDnsNamespace: createNamespace('DNS', false),
  UpdateHttpNamespace: updateNamespace('HTTP'),
  UpdatePrivateDnsNamespace: updateNamespace('DNS'),
  UpdatePublicDnsNamespace: updateNamespace('DNS'),
  GetNamespace: (c, input) => ({ Namespace: namespaceShape(c.reg, findNamespace(c.reg, idOf(input.Id, 'Id', 'ns-')), c.region) }),
  ListNamespaces: (c, input) => {
    const filters = input.Filters ?? [];
    if (!Array.isArray(filters)) throw cmInvalid('Filters', 'must be a list');
    const list = c.reg.namespaces().filter((n) => filters.every((f, i) => filterMatches(c, n, (f ?? {}) as Members, i)));
    const page = paginate(input, list, (n) => n.name);
    return { Namespaces: page.items.map((n) => namespaceShape(c.reg, n, c.region, false)), ...(page.next ? { NextToken: page.next } : {}) };
  },
  DeleteNamespace: async (c, input) => {
    const n = findNamespace(c.reg, idOf(input.Id, 'Id', 'ns-'));
    await c.node.write(deleteNamespace(c.reg, n.name));
    return { OperationId: await c.ops.record('DELETE_NAMESPACE', { NAMESPACE: namespaceId(n.name) }, { namespaceId: namespaceId(n.name) }) };
  },
};

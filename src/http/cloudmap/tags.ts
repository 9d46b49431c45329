/**
 * Tags and operations of the Cloud Map API: TagResource, UntagResource,
 * ListTagsForResource (tags live in the namespace or service record and replicate with
 * it), GetOperation and ListOperations (this daemon's operation log).
 */
import { namespaceKey, serviceKey } from '../../core/keys.js';
import type { NamespaceValue, ServiceValue } from '../../core/types.js';
import type { CmContext, CmHandler } from './context.js';
import { CloudMapError, cmInvalid } from './errors.js';
import { namespaceId, serviceId } from './ids.js';
import { epochSeconds, MAX_TAGS_PER_RESOURCE, paginate, readTags, reqString, tagList, type Members } from './input.js';
import type { Operation } from './operations.js';

/** Tagged is a resource found by its ARN: a namespace or a service record. */
export type Tagged = { kind: 'n'; value: NamespaceValue } | { kind: 's'; value: ServiceValue };

/** findByArn resolves a namespace or service ARN; anything else is ResourceNotFoundException. */
export function findByArn(c: CmContext, input: Members): Tagged {
  const arn = reqString(input, 'ResourceARN', 1011);
  const m = /^arn:aws:servicediscovery:[a-z0-9-]*:\d{12}:(namespace|service)\/([a-z0-9-]{1,64})$/.exec(arn);
  if (m) {
    for (const n of c.reg.namespaces()) {
      if (m[1] === 'namespace' && namespaceId(n.name) === m[2]) return { kind: 'n', value: n };
      if (m[1] === 'service') for (const s of c.reg.services(n.name)) if (serviceId(n.name, s.name) === m[2]) return { kind: 's', value: s };
    }
  }
  throw new CloudMapError('ResourceNotFoundException', `no resource ${arn.slice(0, 200)}`);
}

async function writeTags(c: CmContext, t: Tagged, tags: Record<string, string>): Promise<void> {
  const value = { ...t.value } as NamespaceValue | ServiceValue;
  if (Object.keys(tags).length) value.tags = tags;
  else delete value.tags;
  const key = t.kind === 'n' ? namespaceKey(t.value.name) : serviceKey((t.value as ServiceValue).namespace, t.value.name);
  await c.node.write([{ key, value }]);
}

function operationShape(o: Operation): Record<string, unknown> {
  return { Id: o.id, Type: o.type, Status: o.status, CreateDate: epochSeconds(o.createdAtMs), UpdateDate: epochSeconds(o.updatedAtMs), Targets: o.targets };
}

const OPERATION_FILTERS = ['NAMESPACE_ID', 'SERVICE_ID', 'STATUS', 'TYPE', 'UPDATE_DATE'] as const;

function operationMatches(o: Operation, f: Members, i: number): boolean {
  const name = f.Name;
  if (typeof name !== 'string' || !(OPERATION_FILTERS as readonly string[]).includes(name)) throw cmInvalid(`Filters[${i}].Name`, `must be one of ${OPERATION_FILTERS.join(', ')}`);
  const values = f.Values;
  if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'string')) throw cmInvalid(`Filters[${i}].Values`, 'must be a non-empty list of strings');
  const v = values as string[];
  switch (name) {
    case 'NAMESPACE_ID':
      return v.some((x) => x.endsWith(o.namespaceId ?? '\u0000'));
    case 'SERVICE_ID':
      return v.some((x) => x.endsWith(o.serviceId ?? '\u0000'));
    case 'STATUS':
      return v.includes(o.status);
    case 'TYPE':
      return v.includes(o.type);
    default: {
      if (v.length !== 2) throw cmInvalid(`Filters[${i}].Values`, 'UPDATE_DATE takes two timestamps (BETWEEN)');
      const [from, to] = v.map((x) => (/^\d+(\.\d+)?$/.test(x) ? Number(x) * 1000 : Date.parse(x)));
      if (!Number.isFinite(from) || !Number.isFinite(to)) throw cmInvalid(`Filters[${i}].Values`, 'must be timestamps');
      return o.updatedAtMs >= from! && o.updatedAtMs <= to!;
    }
  }
}

/** tagOperations are the tag and operation handlers by operation name. */
export const tagOperations: Record<string, CmHandler> = {
  ListTagsForResource: (c, input) => ({ Tags: tagList(findByArn(c, input).value.tags) }),
  TagResource: async (c, input) => {
    const t = findByArn(c, input);
    const add = readTags(input, 'Tags', true, String(input.ResourceARN))!;
    const merged = { ...(t.value.tags ?? {}), ...add };
    if (Object.keys(merged).length > MAX_TAGS_PER_RESOURCE) {
      throw new CloudMapError('TooManyTagsException', `a resource has at most ${MAX_TAGS_PER_RESOURCE} tags`, { ResourceName: String(input.ResourceARN) });
    }
    await writeTags(c, t, merged);
    return {};
  },
  UntagResource: async (c, input) => {
    const t = findByArn(c, input);
    const keys = input.TagKeys;
    if (!Array.isArray(keys) || keys.length > 200 || !keys.every((k) => typeof k === 'string')) throw cmInvalid('TagKeys', 'must be a list of tag keys');
    const next = { ...(t.value.tags ?? {}) };
    for (const k of keys as string[]) delete next[k];
    await writeTags(c, t, next);
    return {};
  },
  GetOperation: async (c, input) => ({ Operation: operationShape(await c.ops.get(reqString(input, 'OperationId', 255))) }),
  ListOperations: async (c, input) => {
    const filters = input.Filters ?? [];
    if (!Array.isArray(filters)) throw cmInvalid('Filters', 'must be a list');
    const list = (await c.ops.list()).filter((o) => filters.every((f, i) => operationMatches(o, (f ?? {}) as Members, i)));
    const page = paginate(input, list, (o) => `${String(o.createdAtMs).padStart(16, '0')}:${o.id}`);
    return { Operations: page.items.map((o) => ({ Id: o.id, Status: o.status })), ...(page.next ? { NextToken: page.next } : {}) };
  },
};

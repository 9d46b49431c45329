/**
 * Instance operations of the Cloud Map API, on the native commands: RegisterInstance,
 * DeregisterInstance, GetInstance, ListInstances, GetInstancesHealthStatus and
 * UpdateInstanceCustomHealthStatus.
 */
import { deleteInstance, putInstance, requireCustomCheck } from '../../core/commands.js';
import { instanceKey } from '../../core/keys.js';
import type { InstanceValue } from '../../core/types.js';
import { validateInstanceId } from '../../core/validate.js';
import type { CmContext, CmHandler } from './context.js';
import { CloudMapError, cmInvalid, withMembers } from './errors.js';
import { CLOUDMAP_ACCOUNT, findService, idOf, namespaceId, serviceId } from './ids.js';
import { optEnum, optString, paginate, stringMap, type Members } from './input.js';
import { awsHealth, instanceShape, toNativeAttributes } from './shapes.js';

function serviceAndId(c: CmContext, input: Members) {
  const s = findService(c.reg, idOf(input.ServiceId, 'ServiceId', 'srv-'));
  if (input.InstanceId === undefined) throw cmInvalid('InstanceId', 'is required');
  const id = validateInstanceId(input.InstanceId, 'InstanceId');
  return { s, id };
}

function requireInstanceOf(c: CmContext, ns: string, svc: string, id: string): InstanceValue {
  const v = c.reg.instance(ns, svc, id);
  if (!v) throw new CloudMapError('InstanceNotFound', `instance ${id} not found`);
  return v.value;
}

async function registerInstance(c: CmContext, input: Members): Promise<Record<string, unknown>> {
  const { s, id } = serviceAndId(c, input);
  const creatorRequestId = optString(input, 'CreatorRequestId', 64);
  const raw = stringMap(input, 'Attributes', true, 64)!;
  const { attributes, awsKeys } = toNativeAttributes(raw);
  // Name the member as the caller would: the AWS_INSTANCE_* name unless it sent the native key.
  const aws = (k: string) => (['ipv4', 'ipv6', 'port', 'cname'].includes(k) && raw[k] === undefined ? `AWS_INSTANCE_${k.toUpperCase()}` : k);
  const r = withMembers([[/^attributes(\.([^.]+))?/, (_m: string, _d: string, k?: string) => (k ? `Attributes.${aws(k)}` : 'Attributes')]], () =>
    putInstance(c.reg, s.namespace, s.name, id, { attributes }, c.cmd()),
  );
  const value: InstanceValue = { ...r.value, attributes: r.value.attributes };
  delete value.awsKeys;
  delete value.creatorRequestId;
  if (awsKeys.length) value.awsKeys = awsKeys;
  if (creatorRequestId !== undefined) value.creatorRequestId = creatorRequestId;
  const old = c.reg.instance(s.namespace, s.name, id)?.value;
  if (!old || r.writes.length || JSON.stringify([old.awsKeys, old.creatorRequestId]) !== JSON.stringify([value.awsKeys, value.creatorRequestId])) {
    await c.node.write([{ key: instanceKey(s.namespace, s.name, id), value }]);
  }
  return { OperationId: await c.ops.record('REGISTER_INSTANCE', { INSTANCE: id }, { namespaceId: namespaceId(s.namespace), serviceId: serviceId(s.namespace, s.name) }) };
}

async function deregisterInstance(c: CmContext, input: Members): Promise<Record<string, unknown>> {
  const { s, id } = serviceAndId(c, input);
  requireInstanceOf(c, s.namespace, s.name, id);
  await c.node.write(deleteInstance(c.reg, s.namespace, s.name, id));
  return { OperationId: await c.ops.record('DEREGISTER_INSTANCE', { INSTANCE: id }, { namespaceId: namespaceId(s.namespace), serviceId: serviceId(s.namespace, s.name) }) };
}

function getInstancesHealthStatus(c: CmContext, input: Members): Record<string, unknown> {
  const s = findService(c.reg, idOf(input.ServiceId, 'ServiceId', 'srv-'));
  const ids = input.Instances;
  let views = c.reg.instances(s.namespace, s.name);
  if (ids !== undefined && ids !== null) {
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 1000) throw cmInvalid('Instances', 'must be a list of 1-1000 instance ids');
    const want = new Set(ids.map((v, i) => validateInstanceId(v, `Instances[${i}]`)));
    for (const w of want) if (!views.some((v) => v.value.id === w)) throw new CloudMapError('InstanceNotFound', `instance ${w} not found`);
    views = views.filter((v) => want.has(v.value.id));
  }
  views.sort((a, b) => (a.value.id < b.value.id ? -1 : a.value.id > b.value.id ? 1 : 0));
  const page = paginate(input, views, (v) => v.value.id);
  const Status: Record<string, string> = {};
  for (const v of page.items) Status[v.value.id] = awsHealth(c.reg, v, s);
  return { Status, ...(page.next ? { NextToken: page.next } : {}) };
}

/** instanceOperations are the instance handlers by operation name. */
export const instanceOperations: Record<string, CmHandler> = {
  RegisterInstance: registerInstance,
  DeregisterInstance: deregisterInstance,
  GetInstancesHealthStatus: getInstancesHealthStatus,
  GetInstance: (c, input) => {
    const { s, id } = serviceAndId(c, input);
    return { ResourceOwner: CLOUDMAP_ACCOUNT, Instance: instanceShape(requireInstanceOf(c, s.namespace, s.name, id)) };
  },
  ListInstances: (c, input) => {
    const s = findService(c.reg, idOf(input.ServiceId, 'ServiceId', 'srv-'));
    const list = c.reg.instances(s.namespace, s.name).map((v) => v.value);
    list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const page = paginate(input, list, (i) => i.id);
    return { ResourceOwner: CLOUDMAP_ACCOUNT, Instances: page.items.map((i) => instanceShape(i, false)), ...(page.next ? { NextToken: page.next } : {}) };
  },
  UpdateInstanceCustomHealthStatus: async (c, input) => {
    const { s, id } = serviceAndId(c, input);
    const status = optEnum(input, 'Status', ['HEALTHY', 'UNHEALTHY'] as const);
    if (!status) throw cmInvalid('Status', 'is required: HEALTHY or UNHEALTHY');
    requireInstanceOf(c, s.namespace, s.name, id);
    requireCustomCheck(c.reg, s.namespace, s.name, id);
    const health = c.deps.ctx.health;
    if (!health) throw new CloudMapError('ServiceUnavailable', 'the health layer is not enabled on this daemon');
    await health.setCustomHealth(s.namespace, s.name, id, status);
    return undefined;
  },
};

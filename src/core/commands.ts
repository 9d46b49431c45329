/**
 * Registry commands: pure functions from (registry state, validated input) to the
 * writes that carry the change out, or a GrapevineError. Nothing is written when a
 * command throws, so a failed request leaves no trace. A command whose result equals
 * what is stored returns no writes, which makes repeated PUTs and config replays free.
 */
import { toNativeAttributes } from './aws-attributes.js';
import { GrapevineError } from './errors.js';
import { healthKey, instanceKey, namespaceKey, serviceKey } from './keys.js';
import type { Registry } from './registry.js';
import type { InstanceValue, NamespaceValue, ServiceValue } from './types.js';
import {
  effectiveCheck,
  validateInstanceBody,
  validateInstanceId,
  validateNamespaceBody,
  validateNamespaceName,
  validateServiceBody,
  validateServiceName,
} from './validate.js';

/** Write is a local change before it is versioned: a key and a body, or null to delete. */
export interface Write {
  key: string;
  value: unknown;
}

/** CommandContext is what a command needs besides the registry: the writing node and the time. */
export interface CommandContext {
  /** node is this daemon's name; it becomes the owner of instances it registers. */
  node: string;
  nowMs: number;
}

/** CommandResult is a command's writes (maybe none) and the value that now stands. */
export interface CommandResult<T> {
  writes: Write[];
  value: T;
  /** created is true when the resource did not exist before. */
  created: boolean;
}

/** stableJson serialises with sorted keys, so equal values compare equal whatever their key order. */
export function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, val) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(Object.keys(val).sort().map((k) => [k, (val as Record<string, unknown>)[k]]))
      : val,
  );
}

function sameExcept<T extends object>(a: T, b: T, ignore: (keyof T)[]): boolean {
  const strip = (v: T) => {
    const c = { ...v } as Record<string, unknown>;
    for (const k of ignore) delete c[k as string];
    return c;
  };
  return stableJson(strip(a)) === stableJson(strip(b));
}

/** requireNamespace returns a live namespace or throws NamespaceNotFound. */
export function requireNamespace(reg: Registry, ns: string): NamespaceValue {
  const v = reg.namespace(ns);
  if (!v) throw new GrapevineError('NamespaceNotFound', `namespace ${ns} not found`);
  return v;
}

/** requireService returns a live service or throws NamespaceNotFound / ServiceNotFound. */
export function requireService(reg: Registry, ns: string, svc: string): ServiceValue {
  requireNamespace(reg, ns);
  const v = reg.service(ns, svc);
  if (!v) throw new GrapevineError('ServiceNotFound', `service ${svc} not found in namespace ${ns}`);
  return v;
}

/** requireInstance returns a live instance or throws the NotFound error of the first missing level. */
export function requireInstance(reg: Registry, ns: string, svc: string, id: string): InstanceValue {
  requireService(reg, ns, svc);
  const v = reg.instance(ns, svc, id);
  if (!v) throw new GrapevineError('InstanceNotFound', `instance ${id} not found in ${ns}/${svc}`);
  return v.value;
}

/**
 * putNamespace creates a namespace or updates its description and SOA TTL. Its type
 * cannot change (services' DNS configs depend on it): that is NamespaceAlreadyExists.
 */
export function putNamespace(reg: Registry, rawName: string, body: unknown, ctx: CommandContext): CommandResult<NamespaceValue> {
  const name = validateNamespaceName(rawName);
  const input = validateNamespaceBody(body);
  const old = reg.namespace(name);
  if (old && old.type !== input.type) {
    throw new GrapevineError('NamespaceAlreadyExists', `namespace ${name} already exists with type ${old.type}`);
  }
  const value: NamespaceValue = { name, ...input, createdAtMs: old?.createdAtMs ?? ctx.nowMs };
  // The Cloud Map API's fields (src/http/cloudmap) survive a native update.
  if (old?.creatorRequestId !== undefined) value.creatorRequestId = old.creatorRequestId;
  if (old?.tags !== undefined) value.tags = old.tags;
  if (old && sameExcept(old, value, ['createdAtMs'])) return { writes: [], value: old, created: false };
  return { writes: [{ key: namespaceKey(name), value }], value, created: !old };
}

/** deleteNamespace deletes an empty namespace; one with services is ResourceInUse. */
export function deleteNamespace(reg: Registry, rawName: string): Write[] {
  const name = validateNamespaceName(rawName);
  requireNamespace(reg, name);
  const n = reg.serviceCount(name);
  if (n > 0) throw new GrapevineError('ResourceInUse', `namespace ${name} still has ${n} service(s)`);
  return [{ key: namespaceKey(name), value: null }];
}

/**
 * putService creates a service or updates it. As in Cloud Map, the routing policy,
 * the record types and the check type are fixed once instances exist, since existing
 * registrations were validated against them: changing them is ServiceAlreadyExists.
 */
export function putService(reg: Registry, rawNs: string, rawSvc: string, body: unknown, ctx: CommandContext): CommandResult<ServiceValue> {
  const ns = validateNamespaceName(rawNs);
  const name = validateServiceName(rawSvc);
  const nsv = requireNamespace(reg, ns);
  const input = validateServiceBody(body, nsv.type);
  const old = reg.service(ns, name);
  if (old && reg.instanceCount(ns, name) > 0) {
    const shape = (s: Pick<ServiceValue, 'dns' | 'healthCheck'>) =>
      stableJson([s.dns?.routingPolicy ?? null, (s.dns?.records ?? []).map((r) => r.type).sort(), s.healthCheck?.type ?? null]);
    if (shape(old) !== shape(input)) {
      throw new GrapevineError(
        'ServiceAlreadyExists',
        `service ${ns}/${name} has instances: its routing policy, record types and check type cannot change`,
      );
    }
  }
  const value: ServiceValue = { namespace: ns, name, ...input, createdAtMs: old?.createdAtMs ?? ctx.nowMs };
  // The Cloud Map API's fields (src/http/cloudmap) survive a native update.
  for (const k of ['creatorRequestId', 'tags', 'serviceAttributes'] as const) if (old?.[k] !== undefined) (value as unknown as Record<string, unknown>)[k] = old[k];
  if (old && sameExcept(old, value, ['createdAtMs'])) return { writes: [], value: old, created: false };
  return { writes: [{ key: serviceKey(ns, name), value }], value, created: !old };
}

/** deleteService deletes a service without instances; one with instances is ResourceInUse. */
export function deleteService(reg: Registry, rawNs: string, rawSvc: string): Write[] {
  const ns = validateNamespaceName(rawNs);
  const name = validateServiceName(rawSvc);
  requireService(reg, ns, name);
  const n = reg.instanceCount(ns, name);
  if (n > 0) throw new GrapevineError('ResourceInUse', `service ${ns}/${name} still has ${n} instance(s)`);
  return [{ key: serviceKey(ns, name), value: null }];
}

/**
 * putInstance registers or re-registers an instance (an upsert). The daemon that takes
 * the request becomes its owner. Re-registering a draining instance cancels the drain.
 * Only the instance record is written: health records belong to the health layer.
 */
export function putInstance(
  reg: Registry,
  rawNs: string,
  rawSvc: string,
  rawId: string,
  body: unknown,
  ctx: CommandContext,
): CommandResult<InstanceValue> {
  const ns = validateNamespaceName(rawNs);
  const svc = validateServiceName(rawSvc);
  const id = validateInstanceId(rawId);
  const service = requireService(reg, ns, svc);
  // AWS_INSTANCE_* names are the reserved attributes too, in the native API as in Cloud Map's.
  const { body: nativeBody, awsKeys } = withNativeAttributes(body);
  const input = validateInstanceBody(nativeBody, service);
  const old = reg.instance(ns, svc, id)?.value;
  const value: InstanceValue = {
    namespace: ns,
    service: svc,
    id,
    attributes: input.attributes,
    owner: ctx.node,
    registeredAtMs: old?.registeredAtMs ?? ctx.nowMs,
  };
  if (input.healthCheck) value.healthCheck = input.healthCheck;
  if (awsKeys.length > 0) value.awsKeys = awsKeys;
  if (old && sameExcept(old, value, ['registeredAtMs'])) return { writes: [], value: old, created: false };
  return { writes: [{ key: instanceKey(ns, svc, id), value }], value, created: !old };
}

// withNativeAttributes renames AWS_INSTANCE_* attributes of an instance body (left as is when malformed: validation names the problem).
function withNativeAttributes(body: unknown): { body: unknown; awsKeys: string[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { body, awsKeys: [] };
  const attrs = (body as { attributes?: unknown }).attributes;
  if (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs)) return { body, awsKeys: [] };
  const { attributes, awsKeys } = toNativeAttributes(attrs as Record<string, string>);
  return awsKeys.length === 0 ? { body, awsKeys } : { body: { ...body, attributes }, awsKeys };
}

/** deleteInstance deregisters an instance; its health record goes with it. */
export function deleteInstance(reg: Registry, rawNs: string, rawSvc: string, rawId: string): Write[] {
  const ns = validateNamespaceName(rawNs);
  const svc = validateServiceName(rawSvc);
  const id = validateInstanceId(rawId);
  requireInstance(reg, ns, svc, id);
  const writes: Write[] = [{ key: instanceKey(ns, svc, id), value: null }];
  const h = reg.get(healthKey(ns, svc, id));
  if (h && h.value !== null) writes.push({ key: healthKey(ns, svc, id), value: null });
  return writes;
}

/** requireCustomCheck throws CustomHealthNotFound unless the instance's effective check is CUSTOM (Cloud Map's rule). */
export function requireCustomCheck(reg: Registry, ns: string, svc: string, id: string): InstanceValue {
  const inst = requireInstance(reg, ns, svc, id);
  const check = effectiveCheck(inst, reg.service(ns, svc));
  if (check?.type !== 'CUSTOM') {
    throw new GrapevineError('CustomHealthNotFound', `instance ${id} of ${ns}/${svc} has no CUSTOM health check`);
  }
  return inst;
}

/** requireTtlCheck throws InvalidInput unless the instance's effective check is TTL: a heartbeat means nothing otherwise. */
export function requireTtlCheck(reg: Registry, ns: string, svc: string, id: string): InstanceValue {
  const inst = requireInstance(reg, ns, svc, id);
  const check = effectiveCheck(inst, reg.service(ns, svc));
  if (check?.type !== 'TTL') throw new GrapevineError('InvalidInput', `instance ${id} of ${ns}/${svc} has no TTL health check`);
  return inst;
}

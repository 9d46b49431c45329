/**
 * DiscoverInstances and DiscoverInstancesRevision of the Cloud Map API. The query is the
 * native one (core/discovery.ts's queryOrder and selection.ts's shuffle, shared with
 * /v1/discover and DNS); only the JSON differs. Entries are encoded once per service
 * snapshot, as the native route does, so this path stays close to /v1/discover.
 */
import { requireService } from '../../core/commands.js';
import { DEFAULT_MAX_RESULTS, HEALTH_FILTERS, MAX_MAX_RESULTS, MAX_QUERY_FILTERS, queryOrder, type DiscoverQuery, type HealthFilter } from '../../core/discovery.js';
import type { ServiceSnapshot } from '../../core/view-cache.js';
import { shufflePrefix } from '../../core/selection.js';
import { validateAttributeKey, validateNamespaceName, validateServiceName } from '../../core/validate.js';
import type { CmContext, CmHandler } from './context.js';
import { CloudMapError, cmInvalid } from './errors.js';
import { optEnum, optInt, reqString, stringMap, type Members } from './input.js';
import { awsAttributes, awsHealth, queryKey } from './shapes.js';

/** resolve maps NamespaceName (matched against HttpName, the namespace's name) and ServiceName to a live service. */
function resolve(c: CmContext, input: Members): { ns: string; svc: string } {
  const nsName = reqString(input, 'NamespaceName', 1024);
  const svcName = reqString(input, 'ServiceName', 127);
  const ownerAccount = input.OwnerAccount;
  if (ownerAccount !== undefined && typeof ownerAccount !== 'string') throw cmInvalid('OwnerAccount', 'must be a string');
  let ns: string;
  let svc: string;
  try {
    ns = validateNamespaceName(nsName, 'NamespaceName');
  } catch {
    throw new CloudMapError('NamespaceNotFound', `namespace ${nsName.slice(0, 80)} not found`);
  }
  try {
    svc = validateServiceName(svcName, 'ServiceName');
  } catch {
    if (!c.reg.namespace(ns)) throw new CloudMapError('NamespaceNotFound', `namespace ${ns} not found`);
    throw new CloudMapError('ServiceNotFound', `service ${svcName.slice(0, 80)} not found`);
  }
  requireService(c.reg, ns, svc);
  return { ns, svc };
}

function filters(input: Members, member: string, into: Record<string, string>, count: { n: number }): void {
  const m = stringMap(input, member, false, MAX_QUERY_FILTERS);
  if (!m) return;
  for (const [k, v] of Object.entries(m)) {
    validateAttributeKey(k, `${member}.${k.slice(0, 64)}`);
    if (v.length > 1024) throw cmInvalid(`${member}.${k.slice(0, 64)}`, 'value must be at most 1024 characters');
    if (++count.n > MAX_QUERY_FILTERS) throw cmInvalid(member, `at most ${MAX_QUERY_FILTERS} filters in all`);
    into[queryKey(k)] = v;
  }
}

/** discoverQuery builds the native query from DiscoverInstances' members. */
export function discoverQuery(input: Members): DiscoverQuery {
  const q: DiscoverQuery = {
    health: optEnum<HealthFilter>(input, 'HealthStatus', HEALTH_FILTERS) ?? 'HEALTHY',
    max: optInt(input, 'MaxResults', 1, MAX_MAX_RESULTS) ?? DEFAULT_MAX_RESULTS,
    attrs: {},
    optional: {},
  };
  const count = { n: 0 };
  filters(input, 'QueryParameters', q.attrs, count);
  filters(input, 'OptionalParameters', q.optional, count);
  return q;
}

/** DiscoverEncoder keeps each snapshot's encoded entries (a WeakMap: snapshots go with the ViewCache). */
export class DiscoverEncoder {
  private readonly entries = new WeakMap<ServiceSnapshot, string[]>();

  /** encoded returns the snapshot's entries as JSON, encoded once. */
  encoded(c: CmContext, snap: ServiceSnapshot): string[] {
    let e = this.entries.get(snap);
    if (e === undefined) {
      const first = snap.views[0];
      const svc = first ? c.reg.service(first.value.namespace, first.value.service) : undefined;
      e = snap.views.map((v) =>
        JSON.stringify({
          InstanceId: v.value.id,
          NamespaceName: v.value.namespace,
          ServiceName: v.value.service,
          HealthStatus: awsHealth(c.reg, v, svc),
          Attributes: awsAttributes(v.value),
        }),
      );
      this.entries.set(snap, e);
    }
    return e;
  }
}

/** discoverOperations are DiscoverInstances and DiscoverInstancesRevision; they answer ready-made JSON text. */
export function discoverOperations(encoder: DiscoverEncoder): Record<string, CmHandler> {
  return {
    DiscoverInstances: async (c, input) => {
      const q = discoverQuery(input);
      const { ns, svc } = resolve(c, input);
      await c.revisions.ready();
      const snap = c.deps.viewCache.snapshot(c.reg, ns, svc);
      const order = queryOrder(snap, q);
      const k = shufflePrefix(order, order.length, q.max, c.deps.random);
      const entries = encoder.encoded(c, snap);
      const parts: string[] = new Array(k);
      for (let i = 0; i < k; i++) parts[i] = entries[order[i]!]!;
      return { __json: `{"Instances":[${parts.join(',')}],"InstancesRevision":${c.revisions.revision(ns, svc)}}` };
    },
    DiscoverInstancesRevision: async (c, input) => {
      const { ns, svc } = resolve(c, input);
      await c.revisions.ready();
      return { InstancesRevision: c.revisions.revision(ns, svc) };
    },
  };
}

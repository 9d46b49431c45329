/**
 * The discovery query, as Cloud Map's DiscoverInstances: filter a service's instances
 * by required attributes (`attr.*`), by health, then narrow by optional attributes
 * (`optional.*`) only when some instances match them; shuffle; cut at `max` and say
 * so with `truncated` (Cloud Map truncates silently). The health rule and the shuffle
 * are selection.ts's, shared with DNS. Pure: randomness is injected.
 */
import { requireService } from './commands.js';
import { invalid } from './errors.js';
import type { Random } from './gossip/types.js';
import type { InstanceView, Registry } from './registry.js';
import { HEALTH_FILTERS, selectIndexes, shufflePrefix, type HealthFilter } from './selection.js';
import type { EffectiveHealth } from './types.js';
import { awsAttributes, queryKey } from './aws-attributes.js';
import { validateAttributeKey } from './validate.js';
import { ServiceSnapshot } from './view-cache.js';

export { HEALTH_FILTERS, type HealthFilter } from './selection.js';
export { ServiceSnapshot, ViewCache } from './view-cache.js';
/** DEFAULT_MAX_RESULTS is the default cut of a discovery answer (Cloud Map's default). */
export const DEFAULT_MAX_RESULTS = 100;
/** MAX_MAX_RESULTS is the largest `max` a query may ask for. */
export const MAX_MAX_RESULTS = 1000;
/** MAX_QUERY_FILTERS bounds the number of attr.* plus optional.* parameters. */
export const MAX_QUERY_FILTERS = 60;

/** DiscoverQuery is a parsed, validated discovery query. */
export interface DiscoverQuery {
  health: HealthFilter;
  max: number;
  /** attrs must all match exactly. */
  attrs: Record<string, string>;
  /** optional narrow the answer only when at least one remaining instance matches them all. */
  optional: Record<string, string>;
}

/** DiscoveredInstance is one entry of a discovery answer. */
export interface DiscoveredInstance {
  id: string;
  namespace: string;
  service: string;
  health: EffectiveHealth;
  healthReason: string;
  attributes: Record<string, string>;
  /** node is the owner: the daemon that registered the instance and runs its checks. */
  node: string;
}

/** DiscoverResult is the answer of a discovery query. */
export interface DiscoverResult {
  instances: DiscoveredInstance[];
  /** revision is the service revision the answer reflects; pass it as `index` to block for a change. */
  revision: number;
  /** truncated says that more instances matched than `max`. */
  truncated: boolean;
}

/**
 * parseDiscoverQuery builds a query from URL search parameters (health, max,
 * attr.KEY, optional.KEY); unknown parameters other than `index` and `wait` are refused.
 */
export function parseDiscoverQuery(params: Iterable<[string, string]>): DiscoverQuery {
  const q: DiscoverQuery = { health: 'HEALTHY', max: DEFAULT_MAX_RESULTS, attrs: {}, optional: {} };
  let filters = 0;
  for (const [k, v] of params) {
    if (k === 'health') {
      if (!HEALTH_FILTERS.includes(v as HealthFilter)) throw invalid('health', `must be one of ${HEALTH_FILTERS.join(', ')}`);
      q.health = v as HealthFilter;
    } else if (k === 'max') {
      if (!/^\d{1,4}$/.test(v) || Number(v) < 1 || Number(v) > MAX_MAX_RESULTS) throw invalid('max', `must be an integer 1-${MAX_MAX_RESULTS}`);
      q.max = Number(v);
    } else if (k.startsWith('attr.') || k.startsWith('optional.')) {
      const dot = k.indexOf('.');
      const key = k.slice(dot + 1);
      validateAttributeKey(key, k.slice(0, 80));
      if (v.length > 1024) throw invalid(k.slice(0, 80), 'value must be at most 1024 characters');
      if (++filters > MAX_QUERY_FILTERS) throw invalid('query', `at most ${MAX_QUERY_FILTERS} attribute filters`);
      (k.startsWith('attr.') ? q.attrs : q.optional)[queryKey(key)] = v;
    } else if (k !== 'index' && k !== 'wait') {
      throw invalid(k.slice(0, 80), 'unknown query parameter');
    }
  }
  return q;
}

function matchesAll(attrs: Record<string, string>, want: [string, string][]): boolean {
  for (const [k, v] of want) if (attrs[k] !== v) return false;
  return true;
}

/** plain reports whether a query has no attribute filters (the common query, served from a memoised pool). */
function plain(q: DiscoverQuery): boolean {
  for (const _k in q.attrs) return false;
  for (const _k in q.optional) return false;
  return true;
}

/**
 * queryOrder returns the positions in `snap.views` that a query selects, before the
 * shuffle. Order of the filters: required attributes, then health (selectIndexes, the
 * rule DNS uses too), then optional attributes, so that an optional preference never
 * turns a healthy answer into an empty one. DRAINING instances are never returned by
 * HEALTHY or HEALTHY_OR_ELSE_ALL: a drain must hide them even when failing open. For a
 * query without attribute filters this is the snapshot's shared pool: shuffle it in
 * place (shufflePrefix) and do not keep it.
 */
export function queryOrder(snap: ServiceSnapshot, q: DiscoverQuery): Int32Array {
  if (plain(q)) return snap.pool(q.health);
  const views = snap.views;
  const attrs = Object.entries(q.attrs);
  const pool = selectIndexes(views, q.health, attrs.length ? (v) => matchesAll(v.value.attributes, attrs) : undefined);
  const optional = Object.entries(q.optional);
  if (!optional.length) return pool;
  const narrowed = new Int32Array(pool.length);
  let n = 0;
  for (let i = 0; i < pool.length; i++) if (matchesAll(views[pool[i]!]!.value.attributes, optional)) narrowed[n++] = pool[i]!;
  return n === 0 ? pool : narrowed.slice(0, n);
}

/** toDiscovered turns an instance view into a discovery answer entry. */
export function toDiscovered(v: InstanceView): DiscoveredInstance {
  return {
    id: v.value.id,
    namespace: v.value.namespace,
    service: v.value.service,
    health: v.health,
    healthReason: v.reason,
    attributes: awsAttributes(v.value),
    node: v.value.owner,
  };
}

/** PickedViews is a query's answer before it is turned into JSON: the chosen views. */
export interface PickedViews {
  views: InstanceView[];
  revision: number;
  truncated: boolean;
}

/**
 * discoverViews runs a query and returns the chosen instance views; it throws
 * NamespaceNotFound or ServiceNotFound when the service does not exist. `snap` may
 * come from a ViewCache; without one, the views are read from the registry.
 */
export function discoverViews(
  reg: Registry,
  ns: string,
  svc: string,
  q: DiscoverQuery,
  random: Random,
  snap: ServiceSnapshot = new ServiceSnapshot(reg.serviceRevision(ns, svc), reg.instances(ns, svc)),
): PickedViews {
  requireService(reg, ns, svc);
  const order = queryOrder(snap, q);
  const k = shufflePrefix(order, order.length, q.max, random);
  const views: InstanceView[] = new Array(k);
  for (let i = 0; i < k; i++) views[i] = snap.views[order[i]!]!;
  return { views, revision: snap.revision, truncated: order.length > q.max };
}

/** discover runs a query against a service of the registry and returns the answer as plain data. */
export function discover(
  reg: Registry,
  ns: string,
  svc: string,
  q: DiscoverQuery,
  random: Random,
  snap?: ServiceSnapshot,
): DiscoverResult {
  const r = discoverViews(reg, ns, svc, q, random, snap);
  return { instances: r.views.map(toDiscovered), revision: r.revision, truncated: r.truncated };
}

/**
 * The discovery query, as Cloud Map's DiscoverInstances: filter a service's instances
 * by required attributes (`attr.*`), by health, then narrow by optional attributes
 * (`optional.*`) only when some instances match them; shuffle; cut at `max` and say
 * so with `truncated` (Cloud Map truncates silently). Pure: randomness is injected.
 */
import { requireService } from './commands.js';
import { invalid } from './errors.js';
import type { Random } from './gossip/types.js';
import type { InstanceView, Registry } from './registry.js';
import type { EffectiveHealth } from './types.js';
import { validateAttributeKey } from './validate.js';

/** HealthFilter is the `health` parameter of a discovery query. */
export type HealthFilter = 'HEALTHY' | 'UNHEALTHY' | 'ALL' | 'HEALTHY_OR_ELSE_ALL';
/** HEALTH_FILTERS lists the accepted health filters. */
export const HEALTH_FILTERS: readonly HealthFilter[] = ['HEALTHY', 'UNHEALTHY', 'ALL', 'HEALTHY_OR_ELSE_ALL'];
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
      (k.startsWith('attr.') ? q.attrs : q.optional)[key] = v;
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

/**
 * selectInstances applies a query to a service's instance views. Order: required
 * attributes, then health, then optional attributes, so that an optional preference
 * never turns a healthy answer into an empty one. DRAINING instances are never
 * returned by HEALTHY or HEALTHY_OR_ELSE_ALL: a drain must hide them even when failing open.
 */
export function selectInstances(views: readonly InstanceView[], q: DiscoverQuery): InstanceView[] {
  const shared = sharedPool(views, q);
  if (shared) return shared.slice();
  const attrs = Object.entries(q.attrs);
  let pool = byHealth(attrs.length ? views.filter((v) => matchesAll(v.value.attributes, attrs)) : views, q.health);
  const optional = Object.entries(q.optional);
  if (optional.length) {
    const narrowed = pool.filter((v) => matchesAll(v.value.attributes, optional));
    if (narrowed.length > 0) pool = narrowed;
  }
  // The caller shuffles the result in place: never hand back the input array itself.
  return pool === views ? views.slice() : (pool as InstanceView[]);
}

/**
 * sharedPool (exported for answer caches keyed on it) returns, for a query without attribute filters, the memoised list of a
 * views list's instances in the query's health mode (the common query filters the same
 * cached list again and again). Its order is free: discoverViews shuffles it in place,
 * since a partial Fisher-Yates draws a uniform sample whatever order it starts from.
 */
export function sharedPool(views: readonly InstanceView[], q: DiscoverQuery): InstanceView[] | undefined {
  for (const _k in q.attrs) return undefined;
  for (const _k in q.optional) return undefined;
  let memo = healthMemo.get(views);
  if (!memo) healthMemo.set(views, (memo = new Map()));
  let hit = memo.get(q.health);
  if (!hit) memo.set(q.health, (hit = byHealth(views, q.health).slice()));
  return hit;
}

const healthMemo = new WeakMap<readonly InstanceView[], Map<HealthFilter, InstanceView[]>>();

function byHealth(pool: readonly InstanceView[], health: HealthFilter): readonly InstanceView[] {
  switch (health) {
    case 'HEALTHY':
      pool = pool.filter((v) => v.health === 'HEALTHY');
      break;
    case 'UNHEALTHY':
      pool = pool.filter((v) => v.health === 'UNHEALTHY');
      break;
    case 'HEALTHY_OR_ELSE_ALL': {
      const healthy = pool.filter((v) => v.health === 'HEALTHY');
      pool = healthy.length > 0 ? healthy : pool.filter((v) => v.health !== 'DRAINING');
      break;
    }
    case 'ALL':
      break;
  }
  return pool;
}

/** shuffleFirst moves a uniform random sample of k elements to the front (partial Fisher-Yates), in O(k). */
export function shuffleFirst<T>(arr: T[], k: number, random: Random): void {
  const n = arr.length;
  for (let i = 0; i < Math.min(k, n - 1); i++) {
    const j = i + Math.floor(random.next() * (n - i));
    const t = arr[i]!;
    arr[i] = arr[j]!;
    arr[j] = t;
  }
}

/** toDiscovered turns an instance view into a discovery answer entry. */
export function toDiscovered(v: InstanceView): DiscoveredInstance {
  return {
    id: v.value.id,
    namespace: v.value.namespace,
    service: v.value.service,
    health: v.health,
    healthReason: v.reason,
    attributes: v.value.attributes,
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
 * NamespaceNotFound or ServiceNotFound when the service does not exist. `views` may
 * come from a cache keyed on the service revision (ViewCache).
 */
export function discoverViews(
  reg: Registry,
  ns: string,
  svc: string,
  q: DiscoverQuery,
  random: Random,
  views: readonly InstanceView[] = reg.instances(ns, svc),
): PickedViews {
  requireService(reg, ns, svc);
  const revision = reg.serviceRevision(ns, svc);
  const shared = sharedPool(views, q);
  if (shared) {
    shuffleFirst(shared, q.max, random);
    const truncated = shared.length > q.max;
    return { views: truncated ? shared.slice(0, q.max) : shared.slice(), revision, truncated };
  }
  const pool = selectInstances(views, q);
  shuffleFirst(pool, q.max, random);
  const truncated = pool.length > q.max;
  if (truncated) pool.length = q.max;
  return { views: pool, revision, truncated };
}

/** discover runs a query against a service of the registry and returns the answer as plain data. */
export function discover(
  reg: Registry,
  ns: string,
  svc: string,
  q: DiscoverQuery,
  random: Random,
  views: readonly InstanceView[] = reg.instances(ns, svc),
): DiscoverResult {
  const r = discoverViews(reg, ns, svc, q, random, views);
  return { instances: r.views.map(toDiscovered), revision: r.revision, truncated: r.truncated };
}

/**
 * ViewCache memoises a service's instance views per service revision: every change
 * that can alter an effective health (instance, health record, owner status) bumps
 * that revision, so a cached list is valid exactly while the revision is unchanged.
 */
export class ViewCache {
  private readonly entries = new Map<string, { revision: number; views: InstanceView[] }>();
  constructor(private readonly maxEntries = 10_000) {}

  /** views returns the cached views of a service, recomputing them when its revision moved. */
  views(reg: Registry, ns: string, svc: string): InstanceView[] {
    const key = `${ns}|${svc}`;
    const rev = reg.serviceRevision(ns, svc);
    const hit = this.entries.get(key);
    if (hit && hit.revision === rev) return hit.views;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const views = reg.instances(ns, svc);
    this.entries.set(key, { revision: rev, views });
    return views;
  }
}

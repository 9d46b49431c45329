/**
 * The read cache that the HTTP discovery route and the DNS responder share: per
 * service, its instance views at one service revision and what is derived from them
 * (the selection of each health mode, the DNS label index, the encoded answer
 * entries). Every change that can alter an effective health (instance, health record,
 * owner status) bumps the service revision, so an entry is valid exactly while that
 * revision is unchanged. The agent builds one ViewCache and hands it to both; nothing
 * here is module state.
 */
import { labelIndex } from './dns/names.js';
import type { InstanceView, Registry } from './registry.js';
import { selectIndexes, type HealthFilter } from './selection.js';

/** DEFAULT_MAX_CACHED_SERVICES bounds a ViewCache by the number of services it holds. */
export const DEFAULT_MAX_CACHED_SERVICES = 10_000;

/** Encoder turns an instance view into the bytes of its answer entry (the HTTP route's JSON). */
export type Encoder = (v: InstanceView) => Buffer;

/**
 * ServiceSnapshot is one service's instance views at one revision, with memoised
 * derived data. Nobody may change `views`; the pools are handed out to be shuffled in
 * place (their order is free, see shufflePrefix).
 */
export class ServiceSnapshot {
  private readonly pools = new Map<HealthFilter, Int32Array>();
  private labels: Map<string, InstanceView> | undefined;
  private encodedBy: Encoder | undefined;
  private encodedEntries: Buffer[] = [];

  constructor(
    /** revision is the service revision the views reflect. */
    readonly revision: number,
    readonly views: readonly InstanceView[],
  ) {}

  /**
   * pool returns the positions in `views` that a health mode selects (selectIndexes,
   * memoised). The array is shared: callers shuffle it in place and do not keep it.
   */
  pool(health: HealthFilter): Int32Array {
    let p = this.pools.get(health);
    if (p === undefined) this.pools.set(health, (p = selectIndexes(this.views, health)));
    return p;
  }

  /** labelIndex returns the DNS label index of the views (see dns/names.ts), built once. */
  labelIndex(): Map<string, InstanceView> {
    return (this.labels ??= labelIndex(this.views));
  }

  /**
   * encoded returns every view's entry as `encode` makes it, position for position,
   * encoded once per snapshot (again only if a different encoder asks).
   */
  encoded(encode: Encoder): readonly Buffer[] {
    if (this.encodedBy !== encode) {
      this.encodedEntries = this.views.map(encode);
      this.encodedBy = encode;
    }
    return this.encodedEntries;
  }
}

/**
 * ViewCache holds the ServiceSnapshot of each recently read service, at most
 * `maxServices` of them (the least recently rebuilt go first).
 */
export class ViewCache {
  private readonly entries = new Map<string, ServiceSnapshot>();

  constructor(private readonly maxServices = DEFAULT_MAX_CACHED_SERVICES) {}

  /** snapshot returns a service's snapshot at its current revision, rebuilding it when the revision moved. */
  snapshot(reg: Registry, ns: string, svc: string): ServiceSnapshot {
    const key = `${ns}|${svc}`;
    const rev = reg.serviceRevision(ns, svc);
    const hit = this.entries.get(key);
    if (hit !== undefined && hit.revision === rev) return hit;
    const fresh = new ServiceSnapshot(rev, reg.instances(ns, svc));
    // Delete first, so that the entry moves to the back of the eviction order.
    if (hit !== undefined) this.entries.delete(key);
    this.entries.set(key, fresh);
    if (this.entries.size > this.maxServices) this.entries.delete(this.entries.keys().next().value!);
    return fresh;
  }

  /** views returns the cached instance views of a service at its current revision. */
  views(reg: Registry, ns: string, svc: string): readonly InstanceView[] {
    return this.snapshot(reg, ns, svc).views;
  }

  /** size is the number of services cached, for tests and metrics. */
  get size(): number {
    return this.entries.size;
  }
}

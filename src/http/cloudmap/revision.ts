/**
 * InstancesRevision: the highest HLC among a service's instance records, live and
 * tombstones (health records do not count: Cloud Map says health changes do not move
 * it). A (de)registration writes a record with a higher HLC, so the revision rises on
 * every node that has the record, and converged nodes agree. A persisted per-service
 * floor keeps it from going backwards once tombstones are collected or across restarts.
 */
import { instanceKey } from '../../core/keys.js';
import type { Registry } from '../../core/registry.js';
import type { GrapevineNode } from '../../runtime/node.js';

const META_KEY = 'cloudmap.revisionFloors';
/** MAX_FLOORS bounds the persisted floors (one per service ever asked about; the lowest go first). */
export const MAX_FLOORS = 100_000;

/** RevisionTracker computes InstancesRevision per service, cached per service revision. */
export class RevisionTracker {
  private readonly cache = new Map<string, { serviceRevision: number; value: number }>();
  private floors: Record<string, number> | undefined;
  private loading: Promise<void> | undefined;
  private persisting = false;
  private dirty = false;

  constructor(private readonly node: GrapevineNode) {}

  /** ready loads the persisted floors (once). */
  ready(): Promise<void> {
    this.loading ??= this.node.store.getMeta<Record<string, number>>(META_KEY).then((f) => {
      this.floors = f && typeof f === 'object' ? { ...f } : {};
    });
    return this.loading;
  }

  /** revision returns the InstancesRevision of a service; call ready() first. */
  revision(ns: string, svc: string): number {
    const reg = this.node.registry;
    const key = `${ns}|${svc}`;
    const sr = reg.serviceRevision(ns, svc);
    const c = this.cache.get(key);
    if (c && c.serviceRevision === sr) return c.value;
    const floor = Math.max(this.floors?.[key] ?? 0, c?.value ?? 0);
    const value = Math.max(floor, maxInstanceHlc(reg, ns, svc));
    if (this.cache.size > MAX_FLOORS) this.cache.clear();
    this.cache.set(key, { serviceRevision: sr, value });
    if (this.floors && value > (this.floors[key] ?? 0)) {
      this.floors[key] = value;
      this.persist();
    }
    return value;
  }

  /** persist writes the floors behind the answer; a lost write only costs a floor the records still give. */
  private persist(): void {
    if (this.persisting) {
      this.dirty = true;
      return;
    }
    this.persisting = true;
    const floors = this.floors!;
    const keys = Object.keys(floors);
    if (keys.length > MAX_FLOORS) for (const k of keys.sort((a, b) => floors[a]! - floors[b]!).slice(0, keys.length - MAX_FLOORS)) delete floors[k];
    this.node
      .writeMeta({ [META_KEY]: { ...floors } })
      .catch(() => undefined)
      .finally(() => {
        this.persisting = false;
        if (this.dirty) {
          this.dirty = false;
          this.persist();
        }
      });
  }
}

/** maxInstanceHlc scans a service's instance records, tombstones included (O(records) per change of the service). */
function maxInstanceHlc(reg: Registry, ns: string, svc: string): number {
  const prefix = instanceKey(ns, svc, '');
  let max = 0;
  for (const [k, r] of reg.records) if (r.hlc > max && k.startsWith(prefix)) max = r.hlc;
  return max;
}

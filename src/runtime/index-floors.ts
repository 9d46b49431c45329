/**
 * Index floors: the per-service blocking-query indexes (and Cloud Map's
 * InstancesRevision) are the highest HLC of a service's records. Collecting a
 * tombstone drops a record, so the records alone could give a lower value after a
 * restart. IndexFloorKeeper persists the indexes as floors, behind the writes, and
 * raises the registry to them at start-up; so an index never goes backwards on a
 * daemon, across restarts too. Tombstones are collected only after tombstoneTtlMs,
 * far longer than the persist delay, so the floor is on disk before it is needed.
 */
import type { IndexFloors } from '../core/registry.js';
import type { Clock, TimerHandle } from './clock.js';
import type { GrapevineNode } from './node.js';

const META_KEY = 'indexFloors';
/** LEGACY_CLOUDMAP_KEY is where the Cloud Map layer kept its InstancesRevision floors before they moved here. */
const LEGACY_CLOUDMAP_KEY = 'cloudmap.revisionFloors';
/** MAX_FLOORS bounds the persisted floors per kind (the lowest go first). */
export const MAX_FLOORS = 100_000;
/** PERSIST_DELAY_MS is how long changes are batched before the floors are written. */
export const PERSIST_DELAY_MS = 1_000;

/** IndexFloorKeeper loads the floors into the registry at start and persists them after changes. */
export class IndexFloorKeeper {
  private timer: TimerHandle | undefined;
  private writing: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly onChanged = () => this.schedule();

  constructor(
    private readonly node: GrapevineNode,
    private readonly clock: Clock,
  ) {}

  /** start raises the registry's indexes to the persisted floors, then persists after every change. */
  async start(): Promise<void> {
    const saved = await this.node.store.getMeta<Partial<IndexFloors>>(META_KEY);
    const legacy = await this.node.store.getMeta<Record<string, number>>(LEGACY_CLOUDMAP_KEY);
    if (saved && typeof saved === 'object') this.node.registry.raiseIndexFloors(saved);
    if (legacy && typeof legacy === 'object') this.node.registry.raiseIndexFloors({ instances: legacy });
    this.node.on('changed', this.onChanged);
  }

  /** stop writes the floors a last time and stops listening. */
  async stop(): Promise<void> {
    this.node.off('changed', this.onChanged);
    if (this.timer) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
      this.persist();
    }
    this.stopped = true;
    await this.writing;
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.persist();
    }, PERSIST_DELAY_MS);
  }

  private persist(): void {
    const f = this.node.registry.indexFloors();
    const floors: IndexFloors = { index: bounded(f.index), instances: bounded(f.instances) };
    // A failed write (store failed) only costs floors the records still give; the next change retries.
    this.writing = this.writing.then(() => this.node.writeMeta({ [META_KEY]: floors })).catch(() => undefined);
  }
}

/** bounded keeps the MAX_FLOORS highest entries. */
function bounded(m: Record<string, number>): Record<string, number> {
  const keys = Object.keys(m);
  if (keys.length <= MAX_FLOORS) return m;
  const keep = keys.sort((a, b) => m[b]! - m[a]!).slice(0, MAX_FLOORS);
  return Object.fromEntries(keep.map((k) => [k, m[k]!]));
}

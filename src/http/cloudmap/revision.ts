/**
 * InstancesRevision: the highest HLC among a service's instance records, live and
 * tombstones (health records do not count: Cloud Map says health changes do not move
 * it). The registry keeps it (Registry.instancesRevision) next to the blocking-query
 * index, and the runtime's IndexFloorKeeper persists both as floors, so it is the same
 * on converged nodes and never goes backwards, across restarts too.
 */
import type { GrapevineNode } from '../../runtime/node.js';

/** RevisionTracker answers InstancesRevision per service from the registry. */
export class RevisionTracker {
  constructor(private readonly node: GrapevineNode) {}

  /** ready resolves at once: the floors are loaded at start-up by the runtime. */
  ready(): Promise<void> {
    return Promise.resolve();
  }

  /** revision returns the InstancesRevision of a service. */
  revision(ns: string, svc: string): number {
    return this.node.registry.instancesRevision(ns, svc);
  }
}

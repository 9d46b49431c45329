/**
 * What most scenarios begin with: three daemons with the chaos namespace and service,
 * an empty ledger, and seeded writers pinned to nodes.
 */
import { ChaosCluster, type ClusterOptions } from '../cluster.js';
import { Ledger } from '../ledger.js';
import type { ChaosContext } from '../types.js';
import { Workload, type WriterSpec } from '../workload.js';

/** sleep waits ms of wall-clock time (the scenarios run real daemons). */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** LoadedCluster is a running three-node cluster with its ledger and its writers. */
export interface LoadedCluster {
  c: ChaosCluster;
  ledger: Ledger;
  load: Workload;
}

/** startLoaded starts n1..n3 (with per-node options), creates the namespace and service, and starts the given writers. */
export async function startLoaded(ctx: ChaosContext, writers: WriterSpec[], opts: { cluster?: ClusterOptions; keysPerWriter?: number; pauseMs?: number } = {}): Promise<LoadedCluster> {
  const c = await ChaosCluster.start(ctx, ['n1', 'n2', 'n3'], opts.cluster);
  await c.setup();
  const ledger = new Ledger();
  const load = new Workload(c, ledger, ctx, opts.keysPerWriter, opts.pauseMs);
  load.start(writers);
  return { c, ledger, load };
}

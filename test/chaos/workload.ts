/**
 * Workload runs seeded writers against the cluster while a fault is staged. Each writer
 * owns its keys and sends every write to one node (that node's HLC orders them), so the
 * ledger's "last acknowledged write" of a key is well defined. Writes are instance
 * registrations (value in the attribute `v`) and deregistrations.
 */
import { api } from '../integration/helpers/daemon.js';
import { NS, SVC, type ChaosCluster } from './cluster.js';
import type { KeyState, Ledger, WriteOutcome } from './ledger.js';
import type { ChaosContext } from './types.js';

/** WRITE_TIMEOUT_MS bounds one write; a write without an answer by then is recorded as unknown. */
export const WRITE_TIMEOUT_MS = 3_000;

/** mulberry32 is a small seeded PRNG (returns floats in [0, 1)). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** writeKey sends one write (put with a value, or delete) to a node and records its outcome in the ledger. */
export async function writeKey(cluster: ChaosCluster, ledger: Ledger, node: string, key: string, state: KeyState): Promise<WriteOutcome> {
  const path = `/v1/namespaces/${NS}/services/${SVC}/instances/${key}`;
  let outcome: WriteOutcome;
  try {
    const r = state.present
      ? await api(cluster.node(node), 'PUT', path, { attributes: { v: state.value } }, WRITE_TIMEOUT_MS)
      : await api(cluster.node(node), 'DELETE', path, undefined, WRITE_TIMEOUT_MS);
    outcome = r.status >= 200 && r.status < 300 ? 'acked' : 'refused';
  } catch (e) {
    // A refused connection never reached the daemon; anything else may have been applied.
    const code = (e as { cause?: { code?: string } }).cause?.code;
    outcome = code === 'ECONNREFUSED' ? 'refused' : 'unknown';
  }
  ledger.record(key, state, outcome);
  return outcome;
}

/** WriterSpec names a writer and the node it writes to. */
export interface WriterSpec {
  id: string;
  node: string;
}

/** Workload is a set of running writers; stop() ends them and waits for their last write. */
export class Workload {
  private stopping = false;
  private readonly running: Promise<void>[] = [];
  /** refusedByNode counts refused writes per node (e.g. 503 during a full disk). */
  readonly refusedByNode = new Map<string, number>();

  private readonly seed: number;

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly ledger: Ledger,
    ctx: ChaosContext,
    private readonly keysPerWriter = 12,
    private readonly pauseMs = 25,
  ) {
    this.seed = ctx.seed;
    ctx.defer('stop the writers', () => this.stop()); // also when the scenario failed half-way
  }

  /** start starts writers; each stops by itself after maxOps writes at most. */
  start(writers: WriterSpec[], maxOps = 20_000): void {
    for (const [i, w] of writers.entries()) this.running.push(this.writer(w, mulberry32(this.seed * 31 + i), maxOps));
  }

  private async writer(w: WriterSpec, rand: () => number, maxOps: number): Promise<void> {
    for (let n = 0; n < maxOps && !this.stopping; n++) {
      if (!this.cluster.isUp(w.node)) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const key = `${w.id}-k${Math.floor(rand() * this.keysPerWriter)}`;
      const del = this.ledger.believed(key).present && rand() < 0.3;
      const state: KeyState = del ? { present: false } : { present: true, value: `${w.id}-${n}` };
      const outcome = await writeKey(this.cluster, this.ledger, w.node, key, state);
      if (outcome !== 'acked') this.refusedByNode.set(w.node, (this.refusedByNode.get(w.node) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, this.pauseMs));
    }
  }

  /** stop ends the writers and waits for them. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running);
  }
}

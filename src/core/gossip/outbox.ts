import type { Rec } from '../records.js';
import type { GossipMsg } from './messages.js';
import { emptyOutput, type ApplyEffect, type GossipOutput } from './types.js';

/**
 * Outbox collects the effects of one engine call. Membership and replication write
 * into the same outbox, and the engine hands the collected GossipOutput to the
 * runtime when the call returns (etcd raft's Ready, in miniature).
 */
export class Outbox {
  private cur: GossipOutput = emptyOutput();

  /** send queues one message to a peer by name (or '' when only its address is known). */
  send(to: string, addr: string, msg: GossipMsg): void {
    this.cur.sends.push({ to, addr, msg });
  }

  /** apply queues records from a peer for the runtime to merge; it reports whether there was anything to merge. */
  apply(from: string, recs: Rec[], exchange?: string, fullSync?: 'chunk' | 'last'): boolean {
    // The last merge of a full state transfer is queued even when empty, so that its end is seen.
    if (recs.length === 0 && fullSync !== 'last') return false;
    const effect: ApplyEffect = exchange === undefined ? { from, recs } : { from, recs, exchange };
    if (fullSync) effect.fullSync = fullSync;
    this.cur.apply.push(effect);
    return true;
  }

  /** drop queues record keys for the runtime to delete. */
  drop(keys: string[]): void {
    for (const k of keys) this.cur.drop.push(k);
  }

  /** status queues a member state change. */
  status(name: string, status: 'alive' | 'suspect' | 'dead' | 'left'): void {
    this.cur.status.push({ name, status });
  }

  /** reap queues the hiding (or un-hiding) of an owner's instances. */
  reap(name: string, reaped: boolean): void {
    this.cur.reap.push({ name, reaped });
  }

  /** persist asks the runtime to write the engine's durable state. */
  persist(): void {
    this.cur.persist = true;
  }

  /** peek returns the output collected so far, without taking it. */
  peek(): GossipOutput {
    return this.cur;
  }

  /** take returns the collected output and starts a fresh one. */
  take(): GossipOutput {
    const out = this.cur;
    this.cur = emptyOutput();
    return out;
  }
}

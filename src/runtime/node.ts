import { EventEmitter } from 'node:events';
import type { Write } from '../core/commands.js';
import { GrapevineError } from '../core/errors.js';
import { HybridClock } from '../core/hlc.js';
import { wins, type Rec } from '../core/records.js';
import { Registry } from '../core/registry.js';
import type { MemberStatus } from '../core/types.js';
import type { Store } from '../storage/store.js';
import type { Clock, TimerHandle } from './clock.js';

// Write (a change before it is versioned) is defined once, with the commands that build it.
export type { Write };

/** NodeEvents are what GrapevineNode emits: `local` after a local write is durable, `changed` after any durable merge changed state, `store` when the store fails or recovers. */
export interface NodeEvents {
  local: [recs: Rec[]];
  changed: [recs: Rec[]];
  store: [state: StoreState];
}

/** StoreState is what the node knows of its store: ok, or failed with the cause (until it is reopened and written back). */
export interface StoreState {
  ok: boolean;
  cause?: string;
  /** sinceMs is when the state last changed. */
  sinceMs: number;
}

/** STORE_RETRY_MS is the pause between attempts to reopen a failed store. */
export const STORE_RETRY_MS = 1_000;

/**
 * GrapevineNode is the runtime around the pure Registry: it versions local writes
 * with the HLC and the node's own sequence, persists them, and only then applies
 * them, acknowledges them and tells listeners (gossip, HTTP waiters, DNS cache). A
 * write that fails to persist leaves no trace in memory. After a store error it
 * refuses writes (StorageUnavailable) until the store is reopened and holds again
 * everything the registry holds; reads are served from memory throughout.
 */
export class GrapevineNode extends EventEmitter<NodeEvents> {
  readonly registry = new Registry();
  readonly hlc = new HybridClock();
  private ownSeq = 0;
  private heldOwnSeq = 0;
  /** inFlight holds records handed to the store but not applied yet, so a concurrent merge compares against them too. */
  private readonly inFlight = new Map<string, Rec>();
  private storeState: StoreState;
  private retryTimer?: TimerHandle;
  private stopped = false;

  constructor(
    readonly name: string,
    readonly store: Store,
    readonly clock: Clock,
  ) {
    super();
    this.setMaxListeners(0);
    this.storeState = { ok: true, sinceMs: clock.nowMs() };
  }

  /**
   * start opens the store and loads every record into the registry. Own sequence
   * numbers continue above everything this node may ever have used: the store, the
   * high-water mark a recovery found (`floor`), and the wall clock in ms (a per-boot
   * epoch). So a wiped data dir or a torn log can never make it reuse a number that
   * peers already hold a record for.
   */
  async start(floor: { seq?: number; hlc?: number } = {}): Promise<void> {
    await this.store.open();
    const recs = await this.store.loadRecords();
    let maxHlc = Math.max((await this.store.getMeta<number>('hlc')) ?? 0, floor.hlc ?? 0);
    let held = (await this.store.getMeta<number>('seq')) ?? 0;
    for (const r of recs) {
      this.registry.apply(r);
      if (r.hlc > maxHlc) maxHlc = r.hlc;
      if (r.node === this.name && r.seq > held) held = r.seq;
    }
    this.heldOwnSeq = held;
    this.ownSeq = Math.max(held, floor.seq ?? 0, this.clock.nowMs());
    this.hlc.observe(maxHlc, Number.MAX_SAFE_INTEGER);
  }

  /** seq returns the sequence number of this node's latest write (attempted: a failed write's number is never reused). */
  get seq(): number {
    return this.ownSeq;
  }

  /** heldSeq is the highest own sequence number the store held at start: own records above it may exist only on peers. */
  get heldSeq(): number {
    return this.heldOwnSeq;
  }

  /** raiseSeq lifts the own sequence to at least `seq`, so numbers a previous life used are never reused. */
  raiseSeq(seq: number): void {
    if (seq > this.ownSeq) this.ownSeq = seq;
  }

  /** storeStatus reports whether the store is accepting writes, and why not. */
  get storeStatus(): StoreState {
    return this.storeState;
  }

  /** writeGuard, when set, runs first in every local write and throws to refuse it (clock-identity: ClockSkew). */
  writeGuard?: () => void;

  /**
   * write versions local changes, persists them durably, then applies them and emits
   * `changed` and `local`. It resolves only once the store has the batch (the
   * acknowledgement point); when the store fails it rejects with StorageUnavailable
   * and the registry is as it was.
   */
  async write(writes: Write[]): Promise<Rec[]> {
    this.writeGuard?.(); // refuses (ClockSkew) what peers would reject; see runtime/clock-skew.ts
    this.assertWritable();
    const now = this.clock.nowMs();
    const recs: Rec[] = writes.map((w) => {
      const rec: Rec = { key: w.key, value: w.value, hlc: this.hlc.now(now), node: this.name, seq: ++this.ownSeq };
      if (w.value === null) rec.deletedAtMs = now;
      return rec;
    });
    await this.persist(recs, []);
    this.applyDurable(recs);
    this.emit('local', recs);
    return recs;
  }

  /**
   * applyRemote merges records from a peer: the ones that win are persisted, then
   * applied, and returned (gossip forwards only what was news). It rejects with
   * StorageUnavailable when they could not be persisted; nothing is applied then.
   */
  async applyRemote(recs: Rec[]): Promise<Rec[]> {
    this.assertWritable();
    const now = this.clock.nowMs();
    const won: Rec[] = [];
    const seen = new Map<string, Rec>();
    for (const r of recs) {
      this.hlc.observe(r.hlc, now);
      const cur = seen.get(r.key) ?? this.inFlight.get(r.key) ?? this.registry.get(r.key);
      if (!wins(r, cur)) continue;
      seen.set(r.key, r);
      won.push(r);
    }
    if (won.length === 0) return won;
    // A later record for the same key in this batch supersedes an earlier one: persist only the last.
    const last = won.filter((r) => seen.get(r.key) === r);
    // Without an fsync of its own: the origin synced these before acknowledging them, a
    // crash of this process loses nothing LevelDB's log was handed, and the engine's
    // persisted watermarks (a snapshot one interval old, written synced, behind these in
    // the log) never cover records the log lost to a power cut: they are fetched again.
    await this.persist(last, [], false);
    return this.applyDurable(won);
  }

  /**
   * dropRecords deletes records outright from store and registry: tombstones the
   * gossip engine collected, and stale records a full state transfer showed deleted.
   */
  async dropRecords(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    this.assertWritable();
    await this.persist([], keys);
    for (const k of keys) this.registry.drop(k);
    this.emit('changed', []);
  }

  /**
   * writeMeta writes metadata (the gossip engine's state) behind every write handed to
   * the store before it, durably unless `sync` is false: then it reaches LevelDB's log
   * in order (it survives a crash of the process, and never gets ahead of the records
   * queued before it) and the next synced write flushes it.
   */
  async writeMeta(meta: Record<string, unknown>, sync = true): Promise<void> {
    this.assertWritable();
    try {
      await this.store.write({ put: [], del: [], meta, sync });
    } catch (e) {
      throw this.storeFailed(e);
    }
  }

  /** setOwnerReaped hides (or shows again) a down owner's instances and wakes waiters. */
  setOwnerReaped(node: string, reaped: boolean): void {
    if (this.registry.ownerReaped(node) === reaped) return;
    this.registry.setOwnerReaped(node, reaped);
    this.emit('changed', []);
  }

  /** setMemberStatus forwards a SWIM state change to the registry and wakes waiters. */
  setMemberStatus(node: string, status: MemberStatus): void {
    if (this.registry.memberStatus(node) === status) return;
    this.registry.setMemberStatus(node, status);
    this.emit('changed', []);
  }

  /** stop waits for pending writes and closes the store. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) this.clock.clearTimeout(this.retryTimer);
    await this.store.close();
  }

  /** applyDurable applies records the store already holds and emits `changed` with the winners. */
  private applyDurable(recs: Rec[]): Rec[] {
    const won: Rec[] = [];
    for (const r of recs) {
      if (this.inFlight.get(r.key) === r) this.inFlight.delete(r.key);
      if (this.registry.apply(r).changed) won.push(r);
    }
    if (won.length > 0) this.emit('changed', won);
    return won;
  }

  private assertWritable(): void {
    if (!this.storeState.ok) throw new GrapevineError('StorageUnavailable', `store failed, writes are refused until it recovers: ${this.storeState.cause}`);
  }

  // Every store write goes through here: records are marked in flight (so a merge that
  // runs meanwhile compares against them) and any failure turns the node read-only.
  private async persist(put: Rec[], del: string[], sync = true): Promise<void> {
    for (const r of put) this.inFlight.set(r.key, r);
    try {
      await this.store.write(sync ? { put, del, meta: this.meta() } : { put, del, meta: this.meta(), sync: false });
    } catch (e) {
      for (const r of put) if (this.inFlight.get(r.key) === r) this.inFlight.delete(r.key);
      throw this.storeFailed(e);
    }
  }

  private storeFailed(e: unknown): GrapevineError {
    const cause = e instanceof Error ? e.message : String(e);
    if (this.storeState.ok) {
      this.storeState = { ok: false, cause, sinceMs: this.clock.nowMs() };
      this.emit('store', this.storeState);
      this.scheduleRecovery();
    }
    return e instanceof GrapevineError && e.code === 'StorageUnavailable' ? e : new GrapevineError('StorageUnavailable', `could not persist the write: ${cause}`);
  }

  private scheduleRecovery(): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      void this.recover();
    }, STORE_RETRY_MS);
  }

  /**
   * recover reopens the failed store, verifies it, and writes back everything the
   * registry holds (with the HLC and sequence), so that nothing acknowledged before
   * the failure depends on a log that may have been torn. Writes resume only then.
   */
  private async recover(): Promise<void> {
    if (this.stopped || this.storeState.ok) return;
    try {
      await this.store.reopen();
      await this.store.write({ put: [...this.registry.records.values()], del: [], meta: this.meta() });
      this.storeState = { ok: true, sinceMs: this.clock.nowMs() };
      this.emit('store', this.storeState);
    } catch (e) {
      this.storeState = { ok: false, cause: e instanceof Error ? e.message : String(e), sinceMs: this.storeState.sinceMs };
      this.scheduleRecovery();
    }
  }

  private meta(): Record<string, unknown> {
    return { hlc: this.hlc.current(), seq: this.ownSeq };
  }
}

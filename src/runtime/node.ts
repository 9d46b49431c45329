import { EventEmitter } from 'node:events';
import { HybridClock } from '../core/hlc.js';
import type { Rec } from '../core/records.js';
import { Registry } from '../core/registry.js';
import type { MemberStatus } from '../core/types.js';
import type { Store } from '../storage/store.js';
import type { Clock } from './clock.js';

/** Write is a local change before it is versioned: a key and a body, or null to delete. */
export interface Write {
  key: string;
  value: unknown;
}

/** NodeEvents are what GrapevineNode emits: `local` after a local write is durable, `changed` after any merge changed state. */
export interface NodeEvents {
  local: [recs: Rec[]];
  changed: [recs: Rec[]];
}

/**
 * GrapevineNode is the runtime around the pure Registry: it versions local writes
 * with the HLC and the node's own sequence, persists them before acknowledging,
 * merges remote records, and tells listeners (gossip, HTTP waiters, DNS cache).
 */
export class GrapevineNode extends EventEmitter<NodeEvents> {
  readonly registry = new Registry();
  readonly hlc = new HybridClock();
  private ownSeq = 0;
  /** metaProviders add metadata (e.g. anti-entropy watermarks) to every persisted batch. */
  readonly metaProviders = new Map<string, () => unknown>();

  constructor(
    readonly name: string,
    readonly store: Store,
    readonly clock: Clock,
  ) {
    super();
    this.setMaxListeners(0);
  }

  /** start opens the store and loads every record into the registry. */
  async start(): Promise<void> {
    await this.store.open();
    const recs = await this.store.loadRecords();
    let maxHlc = (await this.store.getMeta<number>('hlc')) ?? 0;
    this.ownSeq = (await this.store.getMeta<number>('seq')) ?? 0;
    for (const r of recs) {
      this.registry.apply(r);
      if (r.hlc > maxHlc) maxHlc = r.hlc;
      if (r.node === this.name && r.seq > this.ownSeq) this.ownSeq = r.seq;
    }
    this.hlc.observe(maxHlc, Number.MAX_SAFE_INTEGER);
  }

  /** seq returns the sequence number of this node's latest write. */
  get seq(): number {
    return this.ownSeq;
  }

  /** writeGuard, when set, runs first in every local write and throws to refuse it (clock-identity: ClockSkew). */
  writeGuard?: () => void;

  /**
   * write versions, applies and durably persists local changes, then emits `local`.
   * It resolves only once the store has the batch durably (the acknowledgement point).
   */
  async write(writes: Write[]): Promise<Rec[]> {
    this.writeGuard?.(); // clock-identity: refuse (ClockSkew) what peers would reject; see runtime/clock-skew.ts
    const now = this.clock.nowMs();
    const recs: Rec[] = writes.map((w) => {
      const rec: Rec = { key: w.key, value: w.value, hlc: this.hlc.now(now), node: this.name, seq: ++this.ownSeq };
      if (w.value === null) rec.deletedAtMs = now;
      return rec;
    });
    for (const r of recs) this.registry.apply(r);
    this.emit('changed', recs);
    await this.store.write({ put: recs, del: [], meta: this.meta() });
    this.emit('local', recs);
    return recs;
  }

  /**
   * applyRemote merges records from a peer and persists the ones that won.
   * It returns those, so that gossip can forward only what was news.
   */
  async applyRemote(recs: Rec[]): Promise<Rec[]> {
    const now = this.clock.nowMs();
    const won: Rec[] = [];
    for (const r of recs) {
      this.hlc.observe(r.hlc, now);
      if (this.registry.apply(r).changed) won.push(r);
    }
    if (won.length === 0) return won;
    this.emit('changed', won);
    await this.store.write({ put: won, del: [], meta: this.meta() });
    return won;
  }

  /** collect removes tombstones (from memory and store) once they are older than ttlMs. */
  async collectTombstones(ttlMs: number): Promise<string[]> {
    const cutoff = this.clock.nowMs() - ttlMs;
    const dead: string[] = [];
    for (const r of this.registry.records.values()) {
      if (r.value === null && (r.deletedAtMs ?? 0) < cutoff) dead.push(r.key);
    }
    for (const k of dead) this.registry.remove(k);
    if (dead.length > 0) await this.store.write({ put: [], del: dead, meta: this.meta() });
    return dead;
  }

  /**
   * dropRecords deletes records outright from registry and store: tombstones the
   * gossip engine collected, and stale records a full state transfer showed deleted.
   */
  async dropRecords(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    for (const k of keys) this.registry.drop(k);
    this.emit('changed', []);
    await this.store.write({ put: [], del: keys, meta: this.meta() });
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
    await this.store.close();
  }

  private meta(): Record<string, unknown> {
    const m: Record<string, unknown> = { hlc: this.hlc.current(), seq: this.ownSeq };
    for (const [k, f] of this.metaProviders) m[k] = f();
    return m;
  }
}

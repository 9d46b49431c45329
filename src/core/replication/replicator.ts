import type { GossipConfig } from '../gossip/config.js';
import { BroadcastQueue, retransmitLimit } from '../membership/broadcasts.js';
import type { Outbox } from '../gossip/outbox.js';
import type { PushMsg, ReplicationMsg } from '../gossip/messages.js';
import type { ApplyEffect, Random } from '../gossip/types.js';
import type { Rec } from '../records.js';
import type { Registry } from '../registry.js';
import { PeerAcks } from './acks.js';
import { AntiEntropy } from './anti-entropy.js';
import { approxRecordBytes, chunkRecords, } from './chunks.js';
import { OriginIndex } from './origin-index.js';
import { Watermarks } from './watermarks.js';

/** Peers is what replication needs from membership: whom it may gossip to. */
export interface Peers {
  /** randomLive picks up to k distinct live members not excluded. */
  randomLive(k: number, exclude?: (name: string) => boolean): { name: string; addr: string }[];
  /** addrOf returns a member's address, or ''. */
  addrOf(name: string): string;
  /** clusterSize estimates N. */
  readonly clusterSize: number;
  /** memberNames lists every member in the member list, whatever its status (alive, suspect, dead, left), until it is reaped. */
  memberNames(): Iterable<string>;
  /** isMember reports whether a name is still in the member list. */
  isMember(name: string): boolean;
}

/** ReplicationCounters count what replication received, dropped and sent, for metrics. */
export interface ReplicationCounters {
  invalidRecords: number;
  fullTransfersSent: number;
  exchangesStarted: number;
  /** staleRecords are records refused because we already held them or something newer, since deleted and collected. */
  staleRecords: number;
  /** quarantinedRecords are records refused from a peer whose last report lies below our collection floors (it was away past the horizon). */
  quarantinedRecords: number;
}

/** MAX_PIGGYBACK_RECORDS bounds rumoured records riding on one membership message. */
export const MAX_PIGGYBACK_RECORDS = 8;
/** MAX_PIGGYBACK_BYTES bounds the approximate size of those records. */
export const MAX_PIGGYBACK_BYTES = 16 * 1024;

/**
 * Replication spreads records: push on write to max(fanout, retransmit bound) peers at
 * once, each receiver forwarding what was news to it just as fast (rumour mongering,
 * Demers et al. 1987), then piggybacking it on its next few membership messages as a
 * backstop; push-pull
 * anti-entropy every antiEntropyIntervalMs (and on join and reconnect) repairs
 * anything the rumours missed. It also collects tombstones after tombstoneTtlMs.
 */
export class Replication {
  readonly wm = new Watermarks();
  readonly index: OriginIndex;
  readonly floors = new Map<string, number>();
  readonly ae: AntiEntropy;
  readonly acks = new PeerAcks();
  readonly counters: ReplicationCounters = { invalidRecords: 0, fullTransfersSent: 0, exchangesStarted: 0, staleRecords: 0, quarantinedRecords: 0 };
  private readonly rumors = new BroadcastQueue<Rec>(4096);
  private readonly lastExchangeMs = new Map<string, number>();
  private nextAeMs: number;
  private nextCollectMs: number;
  private nextPersistMs: number;
  private pendingCollect: Rec[] = [];
  // Own sequence numbers jump at every boot (a per-boot epoch, so none is ever reused);
  // our own watermark bridges that gap only after the first exchange (bridgeOwnGap).
  private ownBridged = false;
  private ownWrittenSeq = 0;
  private snapWm: Record<string, number>;
  /** persistedWm is the watermark snapshot from one persist interval ago: its records are surely durable by now. */
  persistedWm: Record<string, number>;

  constructor(
    private readonly selfName: string,
    private readonly config: GossipConfig,
    private readonly random: Random,
    private readonly registry: Registry,
    private readonly out: Outbox,
    private readonly peers: Peers,
    persisted: { wm: Record<string, number>; fl: Record<string, number> } | undefined,
    ownSeq: number,
    now: number,
  ) {
    this.index = new OriginIndex(registry);
    for (const [o, w] of Object.entries(persisted?.wm ?? {})) if (o !== selfName) this.wm.raiseTo(o, w);
    for (const [o, f] of Object.entries(persisted?.fl ?? {})) this.floors.set(o, f);
    // Our own records are known to be held only up to ownSeq (the highest the store has):
    // after a wipe or a torn log, peers hold the rest and the first exchange brings it back.
    this.wm.raiseTo(selfName, ownSeq);
    this.ae = new AntiEntropy(registry, this.index, this.wm, this.floors, out, Math.floor(config.maxFrameBytes / 4), () => this.bridgeOwnGap(), (from, recs, full) =>
      this.admit(from, recs, full),
    );
    this.persistedWm = { ...(persisted?.wm ?? {}) };
    this.snapWm = this.wm.toObject();
    this.nextAeMs = now + Math.floor(config.antiEntropyIntervalMs * (0.5 + random.next()));
    this.nextCollectMs = now + this.collectIntervalMs;
    this.nextPersistMs = now + config.antiEntropyIntervalMs;
  }

  private get collectIntervalMs(): number {
    return Math.min(Math.floor(this.config.tombstoneTtlMs / 4), 60_000);
  }

  /** onLocalWrite pushes this node's new records to `fanout` peers at once. */
  onLocalWrite(recs: Rec[]): void {
    for (const r of recs) {
      if (r.seq > this.ownWrittenSeq) this.ownWrittenSeq = r.seq;
      // Once bridged, own writes are durable up to the highest seq: numbers that failed
      // writes used are never reused, so they are no gap.
      if (this.ownBridged) this.wm.raiseTo(r.node, r.seq);
      else this.wm.observe(r.node, r.seq);
    }
    this.spread(recs, undefined);
  }

  /**
   * bridgeOwnGap runs after the first completed exchange since boot: by then peers have
   * sent back our own records that we had lost (a wipe, a torn log), so the gap between
   * what the store held and the per-boot sequence start can be covered.
   */
  private bridgeOwnGap(): void {
    if (this.ownBridged) return;
    this.ownBridged = true;
    this.wm.raiseTo(this.selfName, this.ownWrittenSeq);
  }

  /** onApplied notes a durable merge (the watermarks now cover its records) and forwards its winners (news) to `fanout` other peers at once. */
  onApplied(effect: ApplyEffect, won: Rec[]): void {
    for (const r of effect.recs) this.wm.observe(r.node, r.seq);
    if (effect.exchange !== undefined) this.ae.applied(effect.exchange, true);
    this.spread(won, effect.from);
  }

  /** onApplyFailed notes a merge that was not persisted: an exchange it belonged to cannot adopt the peer's watermarks. */
  onApplyFailed(effect: ApplyEffect): void {
    if (effect.exchange !== undefined) this.ae.applied(effect.exchange, false);
  }

  /**
   * takeRecords queues records from a peer (already checked by the decoder) to merge;
   * `invalid` counts those the decoder dropped from the same message. The watermarks
   * move only once the merge is durable (onApplied).
   */
  takeRecords(from: string, recs: Rec[], invalid: number): void {
    this.counters.invalidRecords += invalid;
    this.out.apply(from, this.admit(from, recs, false).recs);
  }

  /**
   * admit filters records from a peer before they are merged, so that no delete is
   * ever undone (see README, "Deletes and the tombstone horizon"):
   * - a record for a key we hold nothing for, which our watermarks say we held (covered,
   *   or seen out of order), is stale: we held it or something newer, and that was a
   *   delete we since collected;
   * - outside a full snapshot, nothing is taken from a peer whose last report lies below
   *   our collection floors: it was away past the horizon and may hold records whose
   *   deletes we forgot. It must first take our snapshot (which it gets on its next digest).
   * `quarantined` says records were refused for the second reason: an exchange must then
   * not adopt that peer's watermarks.
   */
  admit(from: string, recs: Rec[], fullSnapshot: boolean): { recs: Rec[]; quarantined: boolean } {
    if (recs.length === 0) return { recs, quarantined: false };
    if (!fullSnapshot && this.acks.isBelow(from, this.floors)) {
      this.counters.quarantinedRecords += recs.length;
      return { recs: [], quarantined: true };
    }
    const kept = recs.filter((r) => this.registry.get(r.key) !== undefined || !this.wm.holds(r.node, r.seq));
    this.counters.staleRecords += recs.length - kept.length;
    return { recs: kept, quarantined: false };
  }

  /** onMessage handles a decoded r.push, r.dig or r.data; `invalidRecords` counts the records the decoder dropped from it. */
  onMessage(from: string, msg: ReplicationMsg, invalidRecords: number): void {
    switch (msg.t) {
      case 'r.push':
        this.takeRecords(from, msg.r, invalidRecords);
        return;
      case 'r.dig':
        if (this.peers.isMember(from)) this.acks.record(from, msg.w);
        this.ae.onDigest(from, this.peers.addrOf(from), msg, () => this.counters.fullTransfersSent++);
        return;
      case 'r.data':
        this.counters.invalidRecords += invalidRecords;
        if (msg.w && this.peers.isMember(from)) this.acks.record(from, msg.w);
        this.ae.onData(from, msg, invalidRecords > 0);
        return;
    }
  }

  /** startExchange begins push-pull with a peer (on join or reconnect), at most a few times per interval per peer. */
  startExchange(peer: string, now: number): void {
    const last = this.lastExchangeMs.get(peer);
    if (last !== undefined && now - last < this.config.antiEntropyIntervalMs / 4) return;
    if (this.lastExchangeMs.size >= 4096) this.lastExchangeMs.clear();
    this.lastExchangeMs.set(peer, now);
    this.counters.exchangesStarted++;
    this.out.send(peer, this.peers.addrOf(peer), this.ae.digestMsg(true));
  }

  /** piggyback takes rumoured records to ride on a membership message. */
  piggyback(): Rec[] {
    if (this.rumors.size === 0) return [];
    return this.rumors.take(MAX_PIGGYBACK_RECORDS, this.retransmits(), MAX_PIGGYBACK_BYTES, approxRecordBytes);
  }

  /** tick runs periodic anti-entropy, tombstone collection and watermark persistence. */
  tick(now: number): void {
    if (now >= this.nextAeMs) {
      this.nextAeMs = now + Math.floor(this.config.antiEntropyIntervalMs * (0.5 + this.random.next()));
      const [p] = this.peers.randomLive(1);
      if (p) this.startExchange(p.name, now);
    }
    if (now >= this.nextCollectMs) {
      this.nextCollectMs = now + this.collectIntervalMs;
      this.collect(now);
    }
    if (now >= this.nextPersistMs) {
      this.nextPersistMs = now + this.config.antiEntropyIntervalMs;
      this.persistedWm = this.snapWm;
      this.snapWm = this.wm.toObject();
      this.out.persist();
    }
  }

  /** nextWakeMs is the earliest periodic deadline. */
  nextWakeMs(): number {
    return Math.min(this.nextAeMs, this.nextCollectMs, this.nextPersistMs);
  }

  private retransmits(): number {
    return retransmitLimit(this.config.retransmitMultiplier, this.peers.clusterSize);
  }

  private spread(recs: Rec[], from: string | undefined): void {
    if (recs.length === 0) return;
    for (const r of recs) {
      this.index.note(r);
      this.rumors.push(r.key, r);
    }
    // In a cluster of at most directPushMaxPeers peers the writer pushes to every live
    // peer itself: N-1 frames and one hop, where the epidemic below costs about
    // N * max(fanout, retransmits) frames and two or three hops. Its receivers need not
    // forward; the piggybacked rumours and anti-entropy still cover a peer the writer
    // did not know yet.
    const small = this.peers.clusterSize - 1 <= this.config.directPushMaxPeers;
    if (small && from !== undefined && recs.every((r) => r.node === from)) return;
    // Otherwise push to max(fanout, retransmit bound) peers at once: a single push wave
    // reaches all N nodes w.h.p. only if each node pushes ~ln N + c times (Pittel 1987);
    // waiting for later rounds would cost probe intervals, not milliseconds.
    const count = small && from === undefined ? this.peers.clusterSize - 1 : Math.max(this.config.fanout, this.retransmits());
    const targets = this.peers.randomLive(count, (n) => n === from || n === recs[0].node);
    for (const chunk of chunkRecords(recs, Math.floor(this.config.maxFrameBytes / 4))) {
      // One message object for every target: the transport encodes it once.
      const msg: PushMsg = { t: 'r.push', r: chunk };
      for (const t of targets) this.out.send(t.name, t.addr, msg);
    }
  }

  /**
   * collect forgets a tombstone only when it is safe: it is older than tombstoneTtlMs
   * AND every member still in the member list (alive, suspect, dead or left, until
   * deadMemberReapMs reaps it) has reported a watermark that covers it, so no member
   * can still hold the record it deletes. A partitioned member blocks collection until
   * it is reaped; once reaped it is "away past the horizon" and rejoins as new (admit,
   * full snapshot). It runs in two steps so that a crash cannot lose a floor:
   * tombstones first raise the per-origin floors (persisted with this output), and are
   * dropped on the next round if still unchanged.
   */
  private collect(now: number): void {
    const drop: string[] = [];
    for (const r of this.pendingCollect) if (this.registry.get(r.key) === r) drop.push(r.key);
    this.out.drop(drop);
    this.pendingCollect = [];
    this.acks.forgetAllBut((n) => this.peers.isMember(n));
    const members = [...this.peers.memberNames()];
    const cutoff = now - this.config.tombstoneTtlMs;
    for (const r of this.registry.records.values()) {
      if (r.value !== null || (r.deletedAtMs ?? 0) >= cutoff) continue;
      if (!this.acks.covers(members, r.node, r.seq)) continue;
      this.pendingCollect.push(r);
      if (r.seq > (this.floors.get(r.node) ?? 0)) this.floors.set(r.node, r.seq);
    }
    if (this.pendingCollect.length > 0) this.out.persist();
  }
}

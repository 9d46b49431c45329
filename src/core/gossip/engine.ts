/**
 * GossipEngine: the pure gossip core of a Grapevine daemon, SWIM + Lifeguard
 * membership (src/core/membership) and push + anti-entropy replication
 * (src/core/replication) behind one effect-returning API. No I/O, no timers, not
 * the wall clock or ambient randomness: time comes in as `now` (ms), randomness as a Random.
 *
 * HOW A RUNTIME DRIVES IT (src/runtime/gossip.ts, src/sim/cluster.ts):
 *  1. Start the GrapevineNode, read `persisted = await store.getMeta('gossip')`, build
 *     `new GossipEngine({self: {name, addr}, config, random, registry: node.registry,
 *     persisted, ownSeq: node.heldSeq, now})` and carry out `engine.start(joinAddrs, now)`.
 *  2. Every engine method returns a GossipOutput; carry out its effects in this order:
 *     - apply: for each effect start `node.applyRemote(recs)` at once (so merges reach the
 *       store in order); once it is durable carry out `engine.onApplied(effect, won, now)`,
 *       if it failed `engine.onApplyFailed(effect, now)`, reporting in the order of the effects.
 *       Watermarks move only in onApplied, so records that were never durable are fetched again.
 *     - persist: if true, write `{gossip: engine.persistentState()}` as store meta.
 *     - drop: `node.dropRecords(keys)` (collected tombstones; stale records after a full
 *       state transfer). Never call node.collectTombstones yourself: the engine collects.
 *     - status: `node.setMemberStatus(name, status)` (dead/left owners turn UNHEALTHY).
 *     - reap: `node.setOwnerReaped(name, reaped)` (hides/unhides a down owner's instances).
 *     - sends: deliver `msg` to node `to` (connection by name); if there is none, dial
 *       `addr`. `to` is '' for a join to a seed address; `addr` may be '' for a reply to a
 *       peer known only by its open connection. Sends to one peer must stay in order.
 *  3. Feed inputs: every received frame -> `onMessage(fromName, msg, now)` (fromName from
 *     the connection handshake); every durable local write (node 'local' event) ->
 *     `onLocalWrite(recs, now)` (this is the push: never wait for a tick); a connection
 *     that closed -> `peerDisconnected(name, now)`; a (re)connected peer ->
 *     `peerConnected(name, now)` (starts anti-entropy with it).
 *  4. Timers: after every call, (re)arm one timer for `nextWakeMs()` (absolute ms) and
 *     call `tick(now)` when it fires. Calling tick early or late is harmless.
 *  5. Shutdown: carry out `leave(now)` (its sends announce the leave), flush, then close.
 * Messages are plain objects with `t` ('m.*' membership, 'r.*' replication), made of
 * strings, numbers, arrays and records: msgpack them as they are. Their types, and
 * the table of their short field names, are in messages.ts. onMessage takes whatever
 * came off the wire (unknown) and decodes it first (decode.ts): a message of unknown
 * type, or of a known type with a bad shape, bound or version, is counted and dropped.
 */
import type { GossipConfig } from './config.js';
import type { MemberInfo } from '../membership/member-list.js';
import { MAX_INCARNATION } from '../membership/incarnation.js';
import { Membership, type MembershipCounters } from '../membership/membership.js';
import type { Rec } from '../records.js';
import type { Registry } from '../registry.js';
import { Replication, type ReplicationCounters } from '../replication/replicator.js';
import { Outbox } from './outbox.js';
import { decodeMsg } from './decode.js';
import { isMembershipMsg, PIGGYBACK_TYPES, type GossipMsg } from './messages.js';
import type { ApplyEffect, GossipOutput, PersistedGossipState, Random } from './types.js';

/** GossipEngineInit is everything the engine needs to start. */
export interface GossipEngineInit {
  self: { name: string; addr: string };
  config: GossipConfig;
  random: Random;
  /** registry is read, never written, by the engine; the runtime applies the engine's effects to it. */
  registry: Registry;
  /** persisted is what persistentState() returned before a restart, if anything. */
  persisted?: PersistedGossipState;
  /** ownSeq is GrapevineNode.heldSeq: the highest own sequence number the store holds (own records above it may be missing after a wipe or a torn log). */
  ownSeq?: number;
  now: number;
  /** seedMembers are added as alive without any message (simulations of big clusters). */
  seedMembers?: { name: string; addr: string }[];
}

/** GossipStats are counters for metrics and tests: unknownMessages have a type this build does not know, invalidMessages a bad shape, bound or version. */
export type GossipStats = MembershipCounters & ReplicationCounters & { unknownMessages: number; invalidMessages: number; awareness: number };

/** JOIN_RETRY_MIN_MS is the first delay before a join with no answer is sent again; it doubles up to JOIN_RETRY_MAX_MS. */
export const JOIN_RETRY_MIN_MS = 250;
/** JOIN_RETRY_MAX_MS caps the join retry backoff, so a node started before its seeds finds them within seconds. */
export const JOIN_RETRY_MAX_MS = 5_000;

/** MAX_PERSISTED_PEERS bounds the peers remembered for rejoining after a restart. */
export const MAX_PERSISTED_PEERS = 1000;

/** GossipEngine composes membership and replication and routes messages to them; see the file comment. */
export class GossipEngine {
  readonly membership: Membership;
  readonly replication: Replication;
  private readonly out = new Outbox();
  private unknownMessages = 0;
  private invalidMessages = 0;
  private readonly persisted?: PersistedGossipState;
  /** Seeds to retry while this node knows no live peer (Serf's retry_join). */
  private retryJoinAddrs: string[] = [];
  private retryJoinDelayMs = JOIN_RETRY_MIN_MS;
  private retryJoinAtMs = Infinity;

  constructor(init: GossipEngineInit) {
    const { self, config, random, registry, persisted, now } = init;
    this.persisted = persisted;
    // A restart continues above the last incarnation, so our new alive beats any old dead or left.
    // Capped: a value persisted by an older build that accepted any incarnation must not make ours unsafe.
    const inc = persisted ? Math.min(persisted.inc, MAX_INCARNATION - 1) + 1 : 0;
    this.membership = new Membership(self, config, random, this.out, inc, now);
    const ms = this.membership;
    const peers = {
      randomLive: (k: number, exclude?: (n: string) => boolean) => ms.list.randomLive(k, exclude),
      addrOf: (n: string) => ms.addrOf(n),
      get clusterSize() {
        return ms.clusterSize;
      },
      memberNames: () => [...ms.list.all()].map((m) => m.name),
      isMember: (n: string) => ms.list.get(n) !== undefined,
    };
    this.replication = new Replication(self.name, config, random, registry, this.out, peers, persisted, init.ownSeq ?? 0, now);
    for (const m of init.seedMembers ?? []) {
      if (m.name !== self.name && !ms.list.get(m.name)) ms.list.add({ name: m.name, addr: m.addr, status: 'alive', inc: 0, changedMs: now });
    }
  }

  /** name is this node's name. */
  get name(): string {
    return this.membership.self.name;
  }

  /** start restores persisted down members (their instances stay UNHEALTHY) and joins the given addresses and some persisted peers. */
  start(joinAddrs: string[], now: number): GossipOutput {
    const p = this.persisted;
    if (p) {
      this.out.persist();
      for (const [name, addr, status, inc, sinceMs] of p.down) {
        if (name === this.name || this.membership.list.get(name)) continue;
        this.membership.list.add({ name, addr, status, inc, changedMs: sinceMs });
        this.out.status(name, status);
        this.membership.down.restore(name, status, sinceMs, now);
      }
      const known = [...p.peers];
      for (let i = 0; i < known.length && i < 5; i++) {
        const j = i + Math.floor(this.membership.random.next() * (known.length - i));
        [known[i], known[j]] = [known[j], known[i]];
        if (known[i][0] !== this.name && !joinAddrs.includes(known[i][1])) this.membership.sync.sendJoin(known[i][0], known[i][1]);
      }
    }
    this.membership.sync.join(joinAddrs);
    const seeds = new Set(joinAddrs);
    for (const [name, addr] of p?.peers ?? []) if (name !== this.name) seeds.add(addr);
    seeds.delete(this.membership.self.addr);
    this.armRetryJoin([...seeds], now);
    return this.finish();
  }

  /** join contacts more seed addresses (e.g. `grapevine join`). */
  join(addrs: string[], now: number): GossipOutput {
    this.membership.sync.join(addrs);
    this.armRetryJoin([...new Set([...this.retryJoinAddrs, ...addrs])], now);
    return this.finish();
  }

  /**
   * armRetryJoin remembers seeds to contact again while no peer is known. A join
   * sent before the seed listens is lost (the daemons of a cluster often start
   * together), so without this a node could stay alone for good.
   */
  private armRetryJoin(addrs: string[], now: number): void {
    this.retryJoinAddrs = addrs;
    this.retryJoinDelayMs = JOIN_RETRY_MIN_MS;
    this.retryJoinAtMs = addrs.length > 0 ? now + this.retryJoinDelayMs : Infinity;
  }

  private retryJoin(now: number): void {
    if (now < this.retryJoinAtMs) return;
    if (this.membership.list.liveCount > 0) {
      // Joined: stop retrying until we are alone again (checked on the next ticks).
      this.retryJoinAtMs = now + JOIN_RETRY_MAX_MS;
      this.retryJoinDelayMs = JOIN_RETRY_MIN_MS;
      return;
    }
    this.membership.sync.join(this.retryJoinAddrs);
    this.retryJoinDelayMs = Math.min(this.retryJoinDelayMs * 2, JOIN_RETRY_MAX_MS);
    this.retryJoinAtMs = now + this.retryJoinDelayMs;
  }

  /**
   * onMessage decodes one message from a peer, straight off the wire, and handles it;
   * one of unknown type or with a bad shape, bound or version is counted and dropped.
   */
  onMessage(fromName: string, raw: unknown, now: number): GossipOutput {
    if (this.membership.leaving) return this.finish();
    const d = decodeMsg(raw, now);
    if (!d.ok) {
      if (d.error.code === 'unknown_type') this.unknownMessages++;
      else this.invalidMessages++;
      return this.finish();
    }
    const msg = d.msg;
    if (isMembershipMsg(msg)) {
      if (msg.rr !== undefined || d.invalidRecords > 0) this.replication.takeRecords(fromName, msg.rr ?? [], d.invalidRecords);
      this.membership.onMessage(fromName, msg, now);
      if (msg.t === 'm.sync' && msg.d === 1 && msg.j === 1) this.replication.startExchange(fromName, now);
    } else {
      this.replication.onMessage(fromName, msg, d.invalidRecords);
    }
    return this.finish();
  }

  /** tick runs every timer that is due. */
  tick(now: number): GossipOutput {
    if (!this.membership.leaving) {
      this.membership.tick(now);
      this.replication.tick(now);
      this.retryJoin(now);
    }
    return this.finish();
  }

  /** nextWakeMs is the absolute time at which tick() next has work (Infinity after leave). */
  nextWakeMs(): number {
    if (this.membership.leaving) return Infinity;
    return Math.min(this.membership.nextWakeMs(), this.replication.nextWakeMs(), this.retryJoinAtMs);
  }

  /** onLocalWrite pushes this node's durable new records to peers at once. */
  onLocalWrite(recs: Rec[], _now: number): GossipOutput {
    if (!this.membership.leaving) this.replication.onLocalWrite(recs);
    return this.finish();
  }

  /** onApplied notes that a merge is durable (watermarks move) and forwards its winners (news) onwards at once. */
  onApplied(effect: ApplyEffect, won: Rec[], _now: number): GossipOutput {
    if (!this.membership.leaving) this.replication.onApplied(effect, won);
    return this.finish();
  }

  /** onApplyFailed notes that a merge could not be persisted: its records stay uncovered by watermarks and are fetched again. */
  onApplyFailed(effect: ApplyEffect, _now: number): GossipOutput {
    this.replication.onApplyFailed(effect);
    return this.finish();
  }

  /** peerDisconnected is the hint that a connection closed: probe that peer now (not a verdict). */
  peerDisconnected(name: string, now: number): GossipOutput {
    if (!this.membership.leaving) this.membership.prober.probeNow(name, now);
    return this.finish();
  }

  /** peerConnected starts anti-entropy with a peer that (re)connected. */
  peerConnected(name: string, now: number): GossipOutput {
    if (!this.membership.leaving && this.membership.list.get(name)) this.replication.startExchange(name, now);
    return this.finish();
  }

  /** forceLeave marks a failed member `left` (issue 14: `grapevine force-leave`). */
  forceLeave(name: string, now: number): GossipOutput {
    this.membership.forceLeave(name, now);
    return this.finish();
  }

  /** leave announces a graceful leave; the engine goes quiet afterwards. */
  leave(_now: number): GossipOutput {
    this.membership.leave();
    return this.finish();
  }

  /** members lists this node and every known member (GET /v1/members). */
  members(): MemberInfo[] {
    return this.membership.members();
  }

  /** persistentState is what to store (meta 'gossip') whenever an output says persist. */
  persistentState(): PersistedGossipState {
    const ms = this.membership;
    const peers: [string, string][] = [];
    const down: PersistedGossipState['down'] = [];
    for (const m of ms.list.all()) if ((m.status === 'alive' || m.status === 'suspect') && peers.length < MAX_PERSISTED_PEERS) peers.push([m.name, m.addr]);
    for (const [name, d] of ms.down.byName) {
      const m = ms.list.get(name);
      down.push([name, m?.addr ?? '', d.status, m?.inc ?? 0, d.sinceMs]);
    }
    return { inc: ms.inc, peers, wm: this.replication.persistedWm, fl: Object.fromEntries(this.replication.floors), down };
  }

  /** stats returns counters for metrics. */
  stats(): GossipStats {
    return {
      ...this.membership.counters,
      ...this.replication.counters,
      unknownMessages: this.unknownMessages,
      invalidMessages: this.invalidMessages,
      awareness: this.membership.awareness.health,
    };
  }

  private finish(): GossipOutput {
    const out = this.out.take();
    // A broadcast sends one message object to many peers (encoded once); it takes one piggyback.
    const seen = new Set<GossipMsg>();
    for (const s of out.sends) {
      const msg: GossipMsg = s.msg;
      if (!isMembershipMsg(msg) || !PIGGYBACK_TYPES.has(msg.t) || seen.has(msg)) continue;
      seen.add(msg);
      const rr = this.replication.piggyback();
      if (rr.length > 0) msg.rr = rr;
    }
    return out;
  }
}

export type { MemberInfo };

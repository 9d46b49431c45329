/**
 * Shared shapes of the pure gossip engines (membership and replication). The
 * engines take messages, ticks and `now` as input and return effects; the runtime
 * (src/runtime/gossip.ts) or the simulator (src/sim) carries the effects out.
 */

import type { GossipMsg } from './messages.js';

/** GossipMsg is any engine message, a discriminated union on `t` (see messages.ts); re-exported here for the runtime and transport. */
export type { GossipMsg };

/**
 * SendEffect asks the runtime to send one message to a peer. `to` is the peer's node
 * name, or '' when the engine knows only its address (a join to a seed address);
 * `addr` is the peer's gossip address, so the runtime can dial a peer it has no
 * connection to yet.
 */
export interface SendEffect {
  to: string;
  addr: string;
  msg: GossipMsg;
}

/** Random is the injected source of randomness, seeded in the simulator. */
export interface Random {
  /** next returns a float in [0, 1). */
  next(): number;
}

/** seededRandom returns a small fast PRNG (mulberry32) for simulations and tests. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** MemberStatusEffect tells the runtime that a member's SWIM state changed (call GrapevineNode.setMemberStatus). */
export interface MemberStatusEffect {
  name: string;
  status: 'alive' | 'suspect' | 'dead' | 'left';
}

/** ReapEffect tells the runtime to hide (or, when the owner came back, show again) a dead or departed owner's instances. */
export interface ReapEffect {
  name: string;
  reaped: boolean;
}

/**
 * ApplyEffect asks the runtime to merge records received from a peer
 * (GrapevineNode.applyRemote) and, once that is durable, to hand the effect back with
 * the winners to onApplied; if it could not be persisted, to onApplyFailed.
 */
export interface ApplyEffect {
  from: string;
  recs: import('../records.js').Rec[];
  /** exchange names the anti-entropy exchange the records came in, whose watermarks wait for this merge. */
  exchange?: string;
  /** fullSync marks the merges of a full state transfer: 'chunk' for each, 'last' for the one that completes it (logged by the runtime). */
  fullSync?: 'chunk' | 'last';
}

/**
 * GossipOutput is everything one engine call asks the runtime to do. Carry the
 * effects out in this order: apply, persist, drop, status, reap, sends.
 */
export interface GossipOutput {
  /** apply lists record batches to merge; start each merge at once, in order, and report each result in that order. */
  apply: ApplyEffect[];
  /** drop lists record keys to delete from registry and store: collected tombstones and stale records a full state transfer showed were deleted. */
  drop: string[];
  /** status lists member state changes, in order. */
  status: MemberStatusEffect[];
  /** reap lists owners whose instances must be hidden (reaped) or shown again. */
  reap: ReapEffect[];
  /** persist says the engine's durable state changed: write engine.persistentState() to the store (meta key 'gossip'). */
  persist: boolean;
  /** sends lists messages to send, in order. */
  sends: SendEffect[];
}

/** PersistedGossipState is what a node keeps across restarts for gossip: incarnation, peers, watermarks, floors and down members. */
export interface PersistedGossipState {
  /** inc is the node's own last incarnation; a restart continues above it. */
  inc: number;
  /** peers are known members as [name, addr], rejoined on restart when the join list is down. */
  peers: [name: string, addr: string][];
  /** wm are the anti-entropy watermarks per origin (lagging one persist interval, so never ahead of durable records). */
  wm: Record<string, number>;
  /** fl are the per-origin tombstone collection floors. */
  fl: Record<string, number>;
  /** down are dead or departed members as [name, addr, status, incarnation, sinceMs], so a restart keeps their instances UNHEALTHY and their reap timers. */
  down: [name: string, addr: string, status: 'dead' | 'left', inc: number, sinceMs: number][];
}

/** emptyOutput returns a GossipOutput with nothing to do. */
export function emptyOutput(): GossipOutput {
  return { apply: [], drop: [], status: [], reap: [], persist: false, sends: [] };
}

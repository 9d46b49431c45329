/**
 * Shared shapes of the pure gossip engines (membership and replication). The
 * engines take messages, ticks and `now` as input and return effects; the runtime
 * (src/runtime/gossip.ts) or the simulator (src/sim) carries the effects out.
 */

/** GossipMsg is any engine message; `t` is its type, prefixed `m.` (membership) or `r.` (replication). */
export interface GossipMsg {
  t: string;
  [field: string]: unknown;
}

/** SendEffect asks the runtime to send one message to a peer, by node name. */
export interface SendEffect {
  to: string;
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

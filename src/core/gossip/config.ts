/**
 * The engine's tuning, as plain numbers. The core takes these numbers and nothing
 * else from configuration (layers point down): presets, overrides and validation
 * live in src/config/gossip.ts, which builds a GossipConfig and hands it in.
 */

/** GossipConfig holds membership (SWIM/Lifeguard) and replication timings and limits. */
export interface GossipConfig {
  /** probeIntervalMs is the SWIM protocol period (SWIM §3). */
  probeIntervalMs: number;
  /** probeTimeoutMs is how long a direct probe waits for its ack before going indirect. */
  probeTimeoutMs: number;
  /** indirectChecks is k, the number of peers asked to probe indirectly (SWIM §3.1). */
  indirectChecks: number;
  /** suspicionMultiplier scales the suspicion timeout by log10(N) * probeIntervalMs (memberlist). */
  suspicionMultiplier: number;
  /** suspicionMaxTimeoutMultiplier bounds the Lifeguard suspicion timeout from above (Lifeguard §4.2). */
  suspicionMaxTimeoutMultiplier: number;
  /** awarenessMaxMultiplier caps Lifeguard's local health multiplier (Lifeguard §4.1). */
  awarenessMaxMultiplier: number;
  /** retransmitMultiplier bounds rumour retransmits to mult * ceil(log10(N+1)). */
  retransmitMultiplier: number;
  /** fanout is the number of peers a new record is pushed to at once. */
  fanout: number;
  /** directPushMaxPeers: in a cluster with at most this many peers, a writer pushes a new record to all of them at once (one hop) instead of starting an epidemic. 0 turns it off. */
  directPushMaxPeers: number;
  /** antiEntropyIntervalMs is how often a node runs push-pull with a random peer. */
  antiEntropyIntervalMs: number;
  /** tombstoneTtlMs is how long deletes are kept before they are collected. */
  tombstoneTtlMs: number;
  /** reapAfterMs is how long the instances of a dead or departed owner are kept before they are reaped. */
  reapAfterMs: number;
  /** deadMemberReapMs is how long dead and left members stay in the member list. */
  deadMemberReapMs: number;
  /** maxFrameBytes bounds every gossip frame. */
  maxFrameBytes: number;
  /** maxClockSkewMs is how far this node's clock may be from the cluster's before it warns and refuses writes (ClockSkew). */
  maxClockSkewMs: number;
}

import { invalid } from '../core/errors.js';

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

/** GossipPreset names a preset of timings. */
export type GossipPreset = 'lan' | 'local' | 'test';

/**
 * GOSSIP_PRESETS are the named timing sets. `lan` is tuned for a data-centre LAN and
 * detection in about a second; `local` for many daemons on one host; `test` for fast tests.
 */
export const GOSSIP_PRESETS: Record<GossipPreset, GossipConfig> = {
  lan: {
    probeIntervalMs: 200,
    probeTimeoutMs: 100,
    indirectChecks: 3,
    suspicionMultiplier: 4,
    suspicionMaxTimeoutMultiplier: 6,
    awarenessMaxMultiplier: 8,
    retransmitMultiplier: 4,
    fanout: 3,
    directPushMaxPeers: 64,
    antiEntropyIntervalMs: 10_000,
    tombstoneTtlMs: 24 * 3600_000,
    reapAfterMs: 3600_000,
    deadMemberReapMs: 3600_000,
    maxFrameBytes: 4 * 1024 * 1024,
    maxClockSkewMs: 300_000,
  },
  local: {
    probeIntervalMs: 200,
    probeTimeoutMs: 150,
    indirectChecks: 3,
    suspicionMultiplier: 4,
    suspicionMaxTimeoutMultiplier: 6,
    awarenessMaxMultiplier: 8,
    retransmitMultiplier: 4,
    fanout: 3,
    directPushMaxPeers: 64,
    antiEntropyIntervalMs: 5_000,
    tombstoneTtlMs: 3600_000,
    reapAfterMs: 600_000,
    deadMemberReapMs: 600_000,
    maxFrameBytes: 4 * 1024 * 1024,
    maxClockSkewMs: 300_000,
  },
  test: {
    probeIntervalMs: 100,
    probeTimeoutMs: 80,
    indirectChecks: 2,
    suspicionMultiplier: 3,
    suspicionMaxTimeoutMultiplier: 4,
    awarenessMaxMultiplier: 4,
    retransmitMultiplier: 3,
    fanout: 3,
    directPushMaxPeers: 64,
    antiEntropyIntervalMs: 1_000,
    tombstoneTtlMs: 60_000,
    reapAfterMs: 30_000,
    deadMemberReapMs: 30_000,
    maxFrameBytes: 4 * 1024 * 1024,
    maxClockSkewMs: 300_000,
  },
};

const LIMITS: Record<keyof GossipConfig, [min: number, max: number]> = {
  probeIntervalMs: [10, 60_000],
  probeTimeoutMs: [5, 60_000],
  indirectChecks: [0, 16],
  suspicionMultiplier: [1, 100],
  suspicionMaxTimeoutMultiplier: [1, 100],
  awarenessMaxMultiplier: [1, 100],
  retransmitMultiplier: [1, 100],
  fanout: [1, 64],
  directPushMaxPeers: [0, 1024],
  antiEntropyIntervalMs: [50, 3600_000],
  tombstoneTtlMs: [1_000, 30 * 24 * 3600_000],
  reapAfterMs: [0, 30 * 24 * 3600_000],
  deadMemberReapMs: [0, 30 * 24 * 3600_000],
  maxFrameBytes: [64 * 1024, 64 * 1024 * 1024],
  maxClockSkewMs: [1_000, 3600_000],
};

/**
 * resolveGossipConfig starts from a preset and applies overrides, rejecting unknown
 * fields and out-of-range values by name (never clamping). `field` prefixes error paths.
 */
export function resolveGossipConfig(preset: GossipPreset, overrides: unknown, field = 'gossip'): GossipConfig {
  const base = GOSSIP_PRESETS[preset];
  if (!base) throw invalid('preset', `must be one of ${Object.keys(GOSSIP_PRESETS).join(', ')}`);
  const out: GossipConfig = { ...base };
  if (overrides === undefined) return out;
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) throw invalid(field, 'must be an object');
  for (const [k, v] of Object.entries(overrides)) {
    const lim = LIMITS[k as keyof GossipConfig];
    if (!lim) throw invalid(`${field}.${k}`, 'unknown field');
    if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(`${field}.${k}`, 'must be an integer');
    if (v < lim[0] || v > lim[1]) throw invalid(`${field}.${k}`, `must be between ${lim[0]} and ${lim[1]}`);
    out[k as keyof GossipConfig] = v;
  }
  if (out.probeTimeoutMs >= out.probeIntervalMs) throw invalid(`${field}.probeTimeoutMs`, 'must be less than probeIntervalMs');
  return out;
}

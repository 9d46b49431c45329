import { invalid } from '../core/errors.js';
import type { GossipConfig } from '../core/gossip/config.js';

/** GossipConfig is defined in the core (src/core/gossip/config.ts), which takes plain numbers; it is re-exported here. */
export type { GossipConfig };

/** GossipPreset names a preset of timings. */
export type GossipPreset = 'lan' | 'local' | 'test';

/**
 * GOSSIP_PRESETS are the named timing sets. `lan` is tuned for a data-centre LAN and
 * detection in about a second; `local` for many daemons on one host; `test` for fast tests.
 * directPushMaxPeers is 128 in `lan` and `local`: up to 129 nodes a writer sends each
 * new record to every peer itself, N-1 frames and one hop, where the epidemic costs
 * N * max(fanout, 4 * ceil(log10 N)) frames (1,200 at N = 100) and two or three hops.
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
    directPushMaxPeers: 128,
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
    directPushMaxPeers: 128,
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
    if (k === 'insecure') {
      if (typeof v !== 'boolean') throw invalid(`${field}.insecure`, 'must be true or false');
      continue;
    }
    const lim = LIMITS[k as keyof GossipConfig];
    if (!lim) throw invalid(`${field}.${k}`, 'unknown field');
    if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(`${field}.${k}`, 'must be an integer');
    if (v < lim[0] || v > lim[1]) throw invalid(`${field}.${k}`, `must be between ${lim[0]} and ${lim[1]}`);
    out[k as keyof GossipConfig] = v;
  }
  if (out.probeTimeoutMs >= out.probeIntervalMs) throw invalid(`${field}.probeTimeoutMs`, 'must be less than probeIntervalMs');
  return out;
}

/** gossipInsecure reads `gossip.insecure` (already validated by resolveGossipConfig): true turns off the encryption requirement for reachable gossip addresses. */
export function gossipInsecure(overrides: unknown): boolean {
  return typeof overrides === 'object' && overrides !== null && (overrides as { insecure?: unknown }).insecure === true;
}

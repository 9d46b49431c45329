/**
 * Clock skew against the cluster. Each link measures its peer's wall clock against
 * ours (at the handshake and then periodically, NTP-style: the peer's time minus our
 * time at the middle of the round trip). This node's skew is the median of those
 * offsets with our own (zero) included, negated: the cluster's time is what most of
 * its members say. A node whose skew exceeds maxClockSkewMs says so (log, members,
 * /v1/status, a gauge) and refuses writes with ClockSkew rather than acknowledging
 * records that its peers would order wrongly. Pure: offsets and time come in.
 */
import { GrapevineError } from '../errors.js';

/** DEFAULT_MAX_CLOCK_SKEW_MS is how far a node's clock may be from the cluster's before it refuses writes (5 minutes). */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * peerOffsetMs estimates a peer's clock minus ours from one exchange: we sent at
 * sentWallMs (our clock), the answer carried peerWallMs (its clock) and came back
 * rttMs later (measured on a monotonic clock); the peer read its clock halfway.
 */
export function peerOffsetMs(sentWallMs: number, rttMs: number, peerWallMs: number): number {
  return Math.round(peerWallMs - (sentWallMs + Math.max(0, rttMs) / 2));
}

/**
 * clusterSkewMs is this node's clock minus the cluster's, given its peers' offsets
 * (peer minus us): minus the median of the offsets with our own 0 among them. With an
 * even count the middle value nearer to 0 is taken, so that in a cluster of two (or
 * any tie) neither side blames itself: there is no majority to say who is wrong.
 */
export function clusterSkewMs(peerOffsetsMs: readonly number[]): number {
  const all = [0, ...peerOffsetsMs.filter((o) => Number.isFinite(o))].sort((a, b) => a - b);
  const n = all.length;
  let median: number;
  if (n % 2 === 1) median = all[(n - 1) / 2]!;
  else {
    const lo = all[n / 2 - 1]!;
    const hi = all[n / 2]!;
    median = Math.abs(lo) <= Math.abs(hi) ? lo : hi;
  }
  return median === 0 ? 0 : -median;
}

/** SkewChange is a member whose "too far off" verdict changed: log it once. */
export interface SkewChange {
  node: string;
  /** skewMs is the member's clock minus the cluster's. */
  skewMs: number;
  skewed: boolean;
  /** self is true for this node's own verdict. */
  self: boolean;
}

/** MemberSkew is what `members` shows about one member's clock. */
export interface MemberSkew {
  /** clockSkewMs is the member's clock minus the cluster's (estimated here). */
  clockSkewMs: number;
  /** clockSkewed is true when |clockSkewMs| exceeds maxClockSkewMs. */
  clockSkewed: boolean;
}

/**
 * ClockSkewMonitor holds the latest offsets of the peers, this node's skew, and the
 * verdicts per member, so that each change of verdict is reported once.
 */
export class ClockSkewMonitor {
  private offsets = new Map<string, number>();
  private selfSkew = 0;
  private readonly verdicts = new Map<string, boolean>();

  constructor(
    readonly selfName: string,
    readonly maxClockSkewMs = DEFAULT_MAX_CLOCK_SKEW_MS,
  ) {
    if (!Number.isSafeInteger(maxClockSkewMs) || maxClockSkewMs <= 0) throw new RangeError(`maxClockSkewMs must be a positive integer, got ${maxClockSkewMs}`);
  }

  /** update takes the current offsets of the connected peers (peer minus us, ms) and returns the verdicts that changed. */
  update(peerOffsetsMs: ReadonlyMap<string, number>): SkewChange[] {
    this.offsets = new Map(peerOffsetsMs);
    this.selfSkew = clusterSkewMs([...this.offsets.values()]);
    const changes: SkewChange[] = [];
    const seen = new Set<string>([this.selfName]);
    const note = (node: string, skewMs: number, self: boolean) => {
      const skewed = Math.abs(skewMs) > this.maxClockSkewMs;
      if ((this.verdicts.get(node) ?? false) !== skewed) changes.push({ node, skewMs, skewed, self });
      this.verdicts.set(node, skewed);
    };
    note(this.selfName, this.selfSkew, true);
    for (const [node] of this.offsets) {
      seen.add(node);
      note(node, this.skewOf(node)!.clockSkewMs, false);
    }
    // A peer that went away takes its verdict with it; a later "skewed" is news again.
    for (const node of [...this.verdicts.keys()]) if (!seen.has(node)) this.verdicts.delete(node);
    return changes;
  }

  /** skewMs is this node's clock minus the cluster's. */
  get skewMs(): number {
    return this.selfSkew;
  }

  /** skewed tells whether this node is more than maxClockSkewMs off the cluster. */
  get skewed(): boolean {
    return Math.abs(this.selfSkew) > this.maxClockSkewMs;
  }

  /** peerOffsets returns the peer offsets last given to update (peer minus us, ms). */
  peerOffsets(): ReadonlyMap<string, number> {
    return this.offsets;
  }

  /** skewOf estimates a member's clock minus the cluster's, or undefined for a peer with no measurement. */
  skewOf(node: string): MemberSkew | undefined {
    let clockSkewMs: number;
    if (node === this.selfName) clockSkewMs = this.selfSkew;
    else {
      const off = this.offsets.get(node);
      if (off === undefined) return undefined;
      // Peer minus cluster = (peer minus us) + (us minus cluster).
      clockSkewMs = off + this.selfSkew;
    }
    return { clockSkewMs, clockSkewed: Math.abs(clockSkewMs) > this.maxClockSkewMs };
  }

  /** writeRefusal is the ClockSkew error a local write gets while this node is too far off, or undefined. */
  writeRefusal(): GrapevineError | undefined {
    if (!this.skewed) return undefined;
    return new GrapevineError(
      'ClockSkew',
      `node ${this.selfName}'s clock is ${Math.round(this.selfSkew / 1000)} s off the cluster (limit ${Math.round(this.maxClockSkewMs / 1000)} s); writes are refused until it is fixed`,
    );
  }
}

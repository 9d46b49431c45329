/**
 * Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014), packed
 * into one safe integer: wall milliseconds * 1024 + a logical counter. Packing keeps
 * versions cheap to compare, store and encode; 2^53 / 1024 ms lasts until year 2248.
 */

/** HLC_LOGICAL_BITS is how many low bits of an HLC value hold the logical counter. */
export const HLC_LOGICAL_BITS = 10;
const LOGICAL_SPAN = 1 << HLC_LOGICAL_BITS;
/**
 * MAX_CLOCK_DRIFT_MS is the default bound on how far ahead of our wall clock a remote
 * HLC may be and still be adopted (and its record kept). Peers' clocks may differ by an
 * hour (DESIGN.md), so the default is two: a node that far off is flagged by the clock
 * skew check and refuses writes long before its records come near this bound.
 */
export const MAX_CLOCK_DRIFT_MS = 2 * 3600_000;
/**
 * MAX_ALLOWED_CLOCK_DRIFT_MS caps the bound itself: one day keeps every adopted value
 * a safe integer and keeps a broken peer clock from pushing versions years ahead.
 */
export const MAX_ALLOWED_CLOCK_DRIFT_MS = 24 * 3600_000;

/** checkClockDriftMs returns a drift bound after checking it is an integer in [0, MAX_ALLOWED_CLOCK_DRIFT_MS]; a bad one is a bug and throws. */
export function checkClockDriftMs(maxDriftMs: number): number {
  if (!Number.isSafeInteger(maxDriftMs) || maxDriftMs < 0 || maxDriftMs > MAX_ALLOWED_CLOCK_DRIFT_MS) {
    throw new RangeError(`maxClockDriftMs must be an integer between 0 and ${MAX_ALLOWED_CLOCK_DRIFT_MS}, got ${maxDriftMs}`);
  }
  return maxDriftMs;
}

/** hlcTooFarAhead reports whether an HLC value lies more than maxDriftMs ahead of a wall-clock time. */
export function hlcTooFarAhead(hlc: number, wallMs: number, maxDriftMs = MAX_CLOCK_DRIFT_MS): boolean {
  return hlcWallMs(hlc) > wallMs + maxDriftMs;
}

/** hlcWallMs returns the physical part of an HLC value in milliseconds. */
export function hlcWallMs(hlc: number): number {
  return Math.floor(hlc / LOGICAL_SPAN);
}

/** hlcFromWallMs packs a wall-clock time with a zero logical counter. */
export function hlcFromWallMs(wallMs: number): number {
  return Math.floor(wallMs) * LOGICAL_SPAN;
}

/** HybridClock issues monotonically increasing HLC values from a wall clock passed in. */
export class HybridClock {
  private last: number;
  /** maxDriftMs is how far ahead of our wall clock a remote value may be and still be adopted. */
  readonly maxDriftMs: number;

  /** constructor takes the highest HLC ever issued or seen (persisted across restarts) and the drift bound. */
  constructor(last = 0, maxDriftMs = MAX_CLOCK_DRIFT_MS) {
    this.last = last;
    this.maxDriftMs = checkClockDriftMs(maxDriftMs);
  }

  /** current returns the highest HLC value issued or observed so far. */
  current(): number {
    return this.last;
  }

  /** now returns a fresh HLC strictly above every value issued or observed before. */
  now(wallMs: number): number {
    const physical = hlcFromWallMs(wallMs);
    this.last = physical > this.last ? physical : this.last + 1;
    return this.last;
  }

  /**
   * observe folds a remote HLC into ours so that later local writes order after it.
   * A remote value more than maxDriftMs ahead of our wall clock is not
   * adopted (a broken peer clock must not drag the whole cluster into the future);
   * observe returns false for it so the caller can log and count it.
   */
  observe(remote: number, wallMs: number): boolean {
    if (!Number.isSafeInteger(remote) || remote < 0) return false;
    if (hlcTooFarAhead(remote, wallMs, this.maxDriftMs)) return false;
    if (remote > this.last) this.last = remote;
    return true;
  }
}

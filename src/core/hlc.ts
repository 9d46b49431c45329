/**
 * Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014), packed
 * into one safe integer: wall milliseconds * 1024 + a logical counter. Packing keeps
 * versions cheap to compare, store and encode; 2^53 / 1024 ms lasts until year 2248.
 */

/** HLC_LOGICAL_BITS is how many low bits of an HLC value hold the logical counter. */
export const HLC_LOGICAL_BITS = 10;
const LOGICAL_SPAN = 1 << HLC_LOGICAL_BITS;
/** MAX_CLOCK_DRIFT_MS bounds how far ahead a remote HLC may pull ours (memberlist-style sanity). */
export const MAX_CLOCK_DRIFT_MS = 60_000;

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

  /** constructor takes the highest HLC ever issued or seen (persisted across restarts). */
  constructor(last = 0) {
    this.last = last;
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
   * A remote value more than MAX_CLOCK_DRIFT_MS ahead of our wall clock is not
   * adopted (a broken peer clock must not drag the whole cluster into the future);
   * observe returns false for it so the caller can log and count it.
   */
  observe(remote: number, wallMs: number): boolean {
    if (!Number.isSafeInteger(remote) || remote < 0) return false;
    if (hlcWallMs(remote) > wallMs + MAX_CLOCK_DRIFT_MS) return false;
    if (remote > this.last) this.last = remote;
    return true;
  }
}

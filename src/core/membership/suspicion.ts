/**
 * Lifeguard suspicion timeouts (Lifeguard §4.2, memberlist suspicion.go). A suspect
 * is declared dead when its timeout runs out. The timeout starts at `max` and
 * shrinks towards `min` as independent confirmations arrive, because several
 * members suspecting the same node at once is strong evidence that it has failed.
 */

/** suspicionMinTimeoutMs is memberlist's base timeout: mult * max(1, log10(N)) * probeInterval. */
export function suspicionMinTimeoutMs(suspicionMultiplier: number, clusterSize: number, probeIntervalMs: number): number {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, clusterSize)));
  // Truncate the scale to thousandths first, exactly as memberlist's util.go does.
  return Math.floor((suspicionMultiplier * Math.floor(nodeScale * 1000) * probeIntervalMs) / 1000);
}

/**
 * suspicionTimeoutMs is the total timeout after `confirmations` of `expected`:
 * max - (max - min) * log(c + 1) / log(k + 1), never below min (memberlist's
 * remainingSuspicionTime without the elapsed part). With k < 1 it is min at once.
 */
export function suspicionTimeoutMs(confirmations: number, expected: number, minMs: number, maxMs: number): number {
  if (expected < 1) return minMs;
  const frac = Math.log(confirmations + 1) / Math.log(expected + 1);
  const raw = Math.floor(maxMs - frac * (maxMs - minMs));
  return Math.max(raw , minMs);
}

/** Suspicion tracks one suspected member: who confirmed it and when it expires. */
export class Suspicion {
  private readonly confirmedBy = new Set<string>();
  /** deadlineMs is when the suspect is declared dead unless it refutes first. */
  deadlineMs: number;
  /** graced is set once the deadline was found passed while this node was late, and pushed back a little. */
  graced = false;

  constructor(
    /** accuser is the member that raised the suspicion. */
    readonly accuser: string,
    readonly startMs: number,
    readonly expected: number,
    readonly minMs: number,
    readonly maxMs: number,
  ) {
    // The member that raised the suspicion does not count as a confirmation of it.
    this.confirmedBy.add(accuser);
    this.deadlineMs = startMs + suspicionTimeoutMs(0, expected, minMs, maxMs);
  }

  /** confirmations counts the independent confirmations so far. */
  get confirmations(): number {
    return this.confirmedBy.size - 1;
  }

  /** confirm records a confirmation from a new member and pulls the deadline in; it reports whether it was new. */
  confirm(from: string): boolean {
    if (this.confirmations >= this.expected || this.confirmedBy.has(from)) return false;
    this.confirmedBy.add(from);
    this.deadlineMs = this.startMs + suspicionTimeoutMs(this.confirmations, this.expected, this.minMs, this.maxMs);
    return true;
  }
}

/**
 * Awareness is Lifeguard's local health multiplier (Lifeguard §4.1, memberlist
 * awareness.go). A node that misses acks, or has to refute suspicions about itself,
 * is probably the slow one; it then stretches its own probe timeouts instead of
 * accusing healthy peers.
 */
export class Awareness {
  private score = 0;

  constructor(private readonly max: number) {}

  /** health returns the current score: 0 is healthy, max - 1 is the worst. */
  get health(): number {
    return this.score;
  }

  /** applyDelta moves the score, kept within [0, max - 1]. */
  applyDelta(delta: number): void {
    this.score = Math.min(this.max - 1, Math.max(0, this.score + delta));
  }

  /** scaleMs stretches a timeout by (score + 1). */
  scaleMs(timeoutMs: number): number {
    return timeoutMs * (this.score + 1);
  }
}

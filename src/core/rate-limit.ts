/**
 * Token buckets per client key (pure: time comes in as an argument). Used by the HTTP
 * API (per client address, reads and writes) and by DNS response-rate limiting (per
 * client /24 or /56). A check is one map lookup and a few arithmetic operations; a
 * bucket object is allocated only for a client not seen before.
 */

interface Bucket {
  tokens: number;
  lastMs: number;
}

/** RateLimiter holds one token bucket per key, at most maxKeys of them. */
export class RateLimiter<K> {
  private readonly buckets = new Map<K, Bucket>();
  private readonly burst: number;

  constructor(
    /** ratePerSec is how many tokens each bucket gains per second. */
    private readonly ratePerSec: number,
    /** maxKeys bounds the number of tracked clients; when full, buckets that have refilled are swept, then the oldest. */
    private readonly maxKeys = 100_000,
    burst?: number,
  ) {
    if (!(ratePerSec > 0)) throw new Error('RateLimiter: ratePerSec must be positive');
    this.burst = burst ?? Math.max(1, ratePerSec);
  }

  /** take spends one token of `key`'s bucket at nowMs; it returns 0 when allowed, else the ms until a token is back. */
  take(key: K, nowMs: number): number {
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= this.maxKeys) this.sweep(nowMs);
      b = { tokens: this.burst, lastMs: nowMs };
      this.buckets.set(key, b);
    } else if (nowMs > b.lastMs) {
      b.tokens = Math.min(this.burst, b.tokens + ((nowMs - b.lastMs) * this.ratePerSec) / 1000);
      b.lastMs = nowMs;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) * 1000) / this.ratePerSec);
  }

  /** size is the number of tracked clients. */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(nowMs: number): void {
    // A bucket that would be full again carries no information: forget it.
    const fullAfterMs = (this.burst * 1000) / this.ratePerSec;
    for (const [k, b] of this.buckets) if (nowMs - b.lastMs >= fullAfterMs) this.buckets.delete(k);
    // Still full (a flood of distinct clients): drop the oldest tenth, in insertion order.
    if (this.buckets.size >= this.maxKeys) {
      let n = Math.ceil(this.maxKeys / 10);
      for (const k of this.buckets.keys()) {
        if (n-- <= 0) break;
        this.buckets.delete(k);
      }
    }
  }
}

/**
 * BroadcastQueue is memberlist's TransmitLimitedQueue: updates waiting to be
 * piggybacked on outgoing messages, each sent at most `limit` times, least-sent
 * first, a newer update for the same key replacing the older one. Buckets by
 * transmit count keep take() O(taken) even when thousands of updates are queued.
 */
export class BroadcastQueue<T> {
  private buckets: Map<string, T>[] = [];
  private readonly countOf = new Map<string, number>();

  /** constructor takes maxQueued, the bound on queued updates (the most-sent are shed first). */
  constructor(private readonly maxQueued: number) {}

  /** size counts queued updates. */
  get size(): number {
    return this.countOf.size;
  }

  /** push queues an update under a key, replacing any queued update for that key. */
  push(key: string, item: T): void {
    this.delete(key);
    if (this.countOf.size >= this.maxQueued) this.shedOne();
    (this.buckets[0] ??= new Map()).set(key, item);
    this.countOf.set(key, 0);
  }

  /** delete drops the queued update under a key, if any. */
  delete(key: string): void {
    const c = this.countOf.get(key);
    if (c === undefined) return;
    this.buckets[c].delete(key);
    this.countOf.delete(key);
  }

  /** has reports whether an update is queued under a key. */
  has(key: string): boolean {
    return this.countOf.has(key);
  }

  /**
   * take returns up to maxItems updates (whose `sizeOf` sum stays within maxBytes),
   * least-sent first, and counts one transmit for each; updates that reach `limit`
   * transmits leave the queue.
   */
  take(maxItems: number, limit: number, maxBytes = Infinity, sizeOf?: (item: T) => number): T[] {
    const out: T[] = [];
    let bytes = 0;
    const moved: [string, T, number][] = [];
    for (let c = 0; c < this.buckets.length && out.length < maxItems; c++) {
      const b = this.buckets[c];
      if (!b) continue;
      for (const [key, item] of b) {
        if (out.length >= maxItems) break;
        if (c >= limit) {
          b.delete(key);
          this.countOf.delete(key);
          continue;
        }
        const sz = sizeOf ? sizeOf(item) : 0;
        if (out.length > 0 && bytes + sz > maxBytes) continue;
        bytes += sz;
        out.push(item);
        b.delete(key);
        moved.push([key, item, c + 1]);
      }
    }
    for (const [key, item, c] of moved) {
      if (c >= limit) {
        this.countOf.delete(key);
        continue;
      }
      (this.buckets[c] ??= new Map()).set(key, item);
      this.countOf.set(key, c);
    }
    return out;
  }

  private shedOne(): void {
    for (let c = this.buckets.length - 1; c >= 0; c--) {
      const b = this.buckets[c];
      if (!b || b.size === 0) continue;
      const key = b.keys().next().value as string;
      b.delete(key);
      this.countOf.delete(key);
      return;
    }
  }
}

/** retransmitLimit is memberlist's bound on how often one update is sent: mult * ceil(log10(N + 1)). */
export function retransmitLimit(retransmitMultiplier: number, clusterSize: number): number {
  return retransmitMultiplier * Math.max(1, Math.ceil(Math.log10(clusterSize + 1)));
}

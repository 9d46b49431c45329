/** MAX_PENDING_PER_ORIGIN bounds out-of-order sequence numbers remembered per origin; beyond it anti-entropy catches up. */
export const MAX_PENDING_PER_ORIGIN = 4096;

/**
 * Watermarks are per-origin anti-entropy version vectors (Scuttlebutt-style). A
 * watermark W for origin X means "I hold every record X wrote with seq <= W, or
 * something newer for that key". Out-of-order arrivals wait in a pending set and
 * never move W past a gap; a completed exchange may raise W to the peer's value.
 */
export class Watermarks {
  private readonly w = new Map<string, number>();
  private readonly pending = new Map<string, Set<number>>();

  /** get returns the watermark of an origin (0 if none). */
  get(origin: string): number {
    return this.w.get(origin) ?? 0;
  }

  /** size counts origins with a watermark. */
  get size(): number {
    return this.w.size;
  }

  /** holds reports whether a record (origin, seq) is known held: at or below the watermark, or seen out of order (pending). */
  holds(origin: string, seq: number): boolean {
    return seq <= this.get(origin) || (this.pending.get(origin)?.has(seq) ?? false);
  }

  /** observe notes that a record (origin, seq) is held; it reports whether W moved. */
  observe(origin: string, seq: number): boolean {
    const cur = this.get(origin);
    if (seq <= cur) return false;
    if (seq > cur + 1) {
      let p = this.pending.get(origin);
      if (!p) this.pending.set(origin, (p = new Set()));
      if (p.size < MAX_PENDING_PER_ORIGIN) p.add(seq);
      return false;
    }
    this.advance(origin, seq);
    return true;
  }

  /** raiseTo lifts an origin's watermark to at least `seq` (after a complete exchange); it reports whether W moved. */
  raiseTo(origin: string, seq: number): boolean {
    if (seq <= this.get(origin)) return false;
    this.advance(origin, seq);
    return true;
  }

  /** toObject returns the watermarks as a plain object for digests and persistence. */
  toObject(): Record<string, number> {
    const o: Record<string, number> = {};
    for (const [k, v] of this.w) o[k] = v;
    return o;
  }

  private advance(origin: string, seq: number): void {
    let w = seq;
    const p = this.pending.get(origin);
    if (p) {
      for (const s of p) if (s <= w) p.delete(s);
      while (p.delete(w + 1)) w++;
      if (p.size === 0) this.pending.delete(origin);
    }
    this.w.set(origin, w);
  }
}

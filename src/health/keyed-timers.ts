/** A set of one-shot timers addressed by key, on the Clock seam. */
import type { Clock, TimerHandle } from '../core/clock.js';

/** KeyedTimers keeps at most one pending timer per key; setting a key replaces its timer. */
export class KeyedTimers {
  private readonly timers = new Map<string, TimerHandle>();

  constructor(private readonly clock: Clock) {}

  /** set (re)arms the timer of key to run fn after delayMs. */
  set(key: string, delayMs: number, fn: () => void): void {
    this.clear(key);
    const h = this.clock.setTimeout(() => {
      if (this.timers.get(key) === h) this.timers.delete(key);
      fn();
    }, delayMs);
    this.timers.set(key, h);
  }

  /** clear cancels the timer of key, if any. */
  clear(key: string): void {
    const h = this.timers.get(key);
    if (h === undefined) return;
    this.timers.delete(key);
    this.clock.clearTimeout(h);
  }

  /** has reports whether key has a pending timer. */
  has(key: string): boolean {
    return this.timers.has(key);
  }

  /** size is the number of pending timers. */
  get size(): number {
    return this.timers.size;
  }

  /** clearAll cancels every timer. */
  clearAll(): void {
    for (const h of this.timers.values()) this.clock.clearTimeout(h);
    this.timers.clear();
  }
}

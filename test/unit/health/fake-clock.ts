import type { Clock, TimerHandle } from '../../../src/core/clock.js';

/** FakeClock is a manual clock for the health manager's unit tests: timers fire only in advance(). */
export class FakeClock implements Clock {
  private now = 1_700_000_000_000;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  nowMs(): number {
    return this.now;
  }
  monoMs(): number {
    return this.now;
  }
  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.now + Math.max(0, delayMs), fn });
    return { id };
  }
  clearTimeout(handle: TimerHandle): void {
    this.timers.delete((handle as { id: number }).id);
  }
  defer(fn: () => void): void {
    void Promise.resolve().then(fn);
  }
  get pending(): number {
    return this.timers.size;
  }
  /** advance moves time forward in steps, firing due timers in order and letting promises settle between them. */
  async advance(ms: number, stepMs = 10): Promise<void> {
    const end = this.now + ms;
    while (this.now < end) {
      this.now = Math.min(end, this.now + stepMs);
      // Bounded: timers that keep re-arming at the same instant are a bug, not a reason to hang.
      for (let round = 0; ; round++) {
        if (round > 100_000) throw new Error('FakeClock.advance: timers keep firing at the same instant');
        const due = [...this.timers.entries()].filter(([, t]) => t.at <= this.now).sort((a, b) => a[1].at - b[1].at || a[0] - b[0]);
        if (due.length === 0) break;
        for (const [id, t] of due) {
          if (!this.timers.has(id)) continue;
          this.timers.delete(id);
          t.fn();
        }
        await flush();
      }
      await flush();
    }
  }
}

/** flush lets pending promise callbacks (and a macrotask turn) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}

import type { Clock, TimerHandle } from '../core/clock.js';

// The seam's types live in core so that layers below the runtime (health) can take a Clock without importing it.
export type { Clock, TimerHandle };

/** RealClock is the Clock backed by Date.now and Node's timers. */
export class RealClock implements Clock {
  nowMs(): number {
    return Date.now();
  }
  monoMs(): number {
    return performance.now();
  }
  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    const t = setTimeout(fn, delayMs);
    t.unref?.();
    return t;
  }
  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle as NodeJS.Timeout);
  }
  defer(fn: () => void): void {
    setImmediate(fn);
  }
}

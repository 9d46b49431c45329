/** TimerHandle is an opaque handle for a pending timer. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/** Clock is the time seam: real timers in the daemon, a fake clock in the simulator. */
export interface Clock {
  /** nowMs returns wall-clock milliseconds since the epoch. */
  nowMs(): number;
  /** setTimeout runs fn once after delayMs. */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  /** clearTimeout cancels a timer; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
  /** defer runs fn on a later turn of the event loop, after pending I/O (chunked work yields with it). */
  defer(fn: () => void): void;
}

/** RealClock is the Clock backed by Date.now and Node's timers. */
export class RealClock implements Clock {
  nowMs(): number {
    return Date.now();
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

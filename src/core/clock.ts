/**
 * The time seam as types only: what a component that needs the time or a timer takes
 * by injection. Real timers live in src/runtime/clock.ts, fake ones in src/sim and the
 * tests; the core itself never calls a clock, it is handed `nowMs`.
 */

/** TimerHandle is an opaque handle for a pending timer. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/** Clock is the time seam: real timers in the daemon, a fake clock in the simulator. */
export interface Clock {
  /** nowMs returns wall-clock milliseconds since the epoch. */
  nowMs(): number;
  /** monoMs returns a monotonic millisecond count, for durations a stepped wall clock must not distort. */
  monoMs(): number;
  /** setTimeout runs fn once after delayMs. */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  /** clearTimeout cancels a timer; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
  /** defer runs fn on a later turn of the event loop, after pending I/O (chunked work yields with it). */
  defer(fn: () => void): void;
}

import type { Clock, TimerHandle } from '../runtime/clock.js';

/** SimEvent is one scheduled callback; `seq` breaks ties so equal times run in scheduling order. */
interface SimEvent {
  atMs: number;
  seq: number;
  fn: () => void | Promise<void>;
  cancelled: boolean;
}

/**
 * Scheduler is the simulator's single event queue (a binary heap on (time, order)):
 * timers and message deliveries alike. Running it is deterministic: same seed, same
 * order of events, same result.
 */
export class Scheduler {
  private heap: SimEvent[] = [];
  private seq = 0;
  private current: number;
  /** eventsRun counts callbacks run, for benchmarks. */
  eventsRun = 0;

  constructor(startMs: number) {
    this.current = startMs;
  }

  /** nowMs is the simulated time. */
  get nowMs(): number {
    return this.current;
  }

  /** size counts pending events (cancelled ones included until they surface). */
  get size(): number {
    return this.heap.length;
  }

  /** at schedules fn at an absolute time (never before now). */
  at(atMs: number, fn: () => void | Promise<void>): SimEvent {
    const ev: SimEvent = { atMs: Math.max(atMs, this.current), seq: this.seq++, fn, cancelled: false };
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
    return ev;
  }

  /** cancel stops a pending event from running. */
  cancel(ev: SimEvent): void {
    ev.cancelled = true;
  }

  /** runUntil runs every event due up to `untilMs` (awaiting each), then sets the clock to untilMs. */
  async runUntil(untilMs: number): Promise<void> {
    while (this.heap.length > 0 && this.heap[0].atMs <= untilMs) {
      const ev = this.pop();
      if (ev.cancelled) continue;
      this.current = ev.atMs;
      this.eventsRun++;
      await ev.fn();
    }
    if (untilMs > this.current) this.current = untilMs;
  }

  private pop(): SimEvent {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l], h[m])) m = l;
        if (r < h.length && less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

function less(a: SimEvent, b: SimEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}

/** FakeClock is the simulator's Clock: time is the scheduler's, timers are its events. */
export class FakeClock implements Clock {
  constructor(private readonly scheduler: Scheduler) {}

  /** nowMs is whole milliseconds, like Date.now: sub-millisecond delays exist only inside the scheduler. */
  nowMs(): number {
    return Math.floor(this.scheduler.nowMs);
  }

  /** monoMs is the virtual time itself: it never steps back. */
  monoMs(): number {
    return this.scheduler.nowMs;
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    return this.scheduler.at(this.scheduler.nowMs + Math.max(0, delayMs), fn);
  }

  clearTimeout(handle: TimerHandle): void {
    if (handle && typeof handle === 'object' && 'cancelled' in handle) this.scheduler.cancel(handle as SimEvent);
  }

  /** defer yields as a microtask: a chunked task in the simulator still yields between chunks, and stays deterministic. */
  defer(fn: () => void): void {
    void Promise.resolve().then(fn);
  }
}

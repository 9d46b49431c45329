/**
 * The check scheduler: per-instance timers feeding a bounded pool of running checks.
 * A check that comes due while maxConcurrent checks are running waits in a FIFO
 * queue (at most one entry per instance, so the queue is bounded by the number of
 * checked instances). Checks are asynchronous I/O, so none blocks the event loop.
 */
import type { Clock } from '../core/clock.js';
import { KeyedTimers } from './keyed-timers.js';

/** CheckJob is one check run; it must not reject (the scheduler logs nothing). */
export type CheckJob = () => Promise<void>;

/** CheckScheduler runs keyed jobs after a delay with at most maxConcurrent at once. */
export class CheckScheduler {
  private readonly timers: KeyedTimers;
  private readonly queue = new Map<string, CheckJob>();
  private runningCount = 0;
  private stopped = false;

  constructor(
    clock: Clock,
    /** maxConcurrent caps checks running at once (config health.maxConcurrentChecks). */
    readonly maxConcurrent: number,
  ) {
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) throw new Error(`CheckScheduler: maxConcurrent must be a positive integer, got ${maxConcurrent}`);
    this.timers = new KeyedTimers(clock);
  }

  /** schedule runs job for key after delayMs, replacing whatever was pending for key. */
  schedule(key: string, delayMs: number, job: CheckJob): void {
    if (this.stopped) return;
    this.queue.delete(key);
    this.timers.set(key, delayMs, () => this.due(key, job));
  }

  /** cancel drops key's pending timer or queue entry; a run already in flight finishes on its own. */
  cancel(key: string): void {
    this.timers.clear(key);
    this.queue.delete(key);
  }

  /** running is the number of checks in flight. */
  get running(): number {
    return this.runningCount;
  }

  /** queued is the number of due checks waiting for a free slot. */
  get queued(): number {
    return this.queue.size;
  }

  /** stop cancels everything pending; in-flight runs finish but start nothing new. */
  stop(): void {
    this.stopped = true;
    this.timers.clearAll();
    this.queue.clear();
  }

  private due(key: string, job: CheckJob): void {
    if (this.stopped) return;
    if (this.runningCount >= this.maxConcurrent) {
      this.queue.set(key, job);
      return;
    }
    this.run(job);
  }

  private run(job: CheckJob): void {
    this.runningCount++;
    let p: Promise<void>;
    try {
      p = job();
    } catch (err) {
      p = Promise.reject(err);
    }
    p.catch(() => undefined).finally(() => {
      this.runningCount--;
      if (this.stopped) return;
      const next = this.queue.entries().next();
      if (!next.done) {
        this.queue.delete(next.value[0]);
        this.run(next.value[1]);
      }
    });
  }
}

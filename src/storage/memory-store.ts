import type { Rec } from '../core/records.js';
import { StorageUnavailableError, type Store, type StoreBatch, type StoreHealth } from './store.js';

/** MemoryStoreOptions configure a MemoryStore; all are optional. */
export interface MemoryStoreOptions {
  /** writeDelay runs before each write() is applied (e.g. a fake-clock sleep); writes still apply in order. */
  writeDelay?: (batch: StoreBatch) => Promise<void>;
}

/** INJECTED_CAUSE is the cause a MemoryStore reports for an injected failure. */
export const INJECTED_CAUSE = 'injected write failure';

/**
 * MemoryStore is the in-process fake Store for unit tests and the simulator. Its
 * contents survive a simulated crash because the object does. It fails like
 * LevelStore does: after a write error (injected with failNext or failWrites) it is
 * 'failed', and every write rejects with StorageUnavailableError until reopen().
 */
export class MemoryStore implements Store {
  readonly records = new Map<string, Rec>();
  readonly meta = new Map<string, unknown>();
  writes = 0;
  private failure: string | undefined;
  private failCount = 0;
  private failAll = false;
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly opts: MemoryStoreOptions = {}) {}

  async open(): Promise<void> {}

  async loadRecords(): Promise<Rec[]> {
    return [...this.records.keys()].sort().map((k) => this.records.get(k)!);
  }

  async getMeta<T>(name: string): Promise<T | undefined> {
    return this.meta.get(name) as T | undefined;
  }

  /** failNext makes the next `n` write attempts fail (each failure fails the store); reopen() counts as an attempt. */
  failNext(n: number): void {
    this.failCount = n;
  }

  /** failWrites makes every write attempt (and reopen) fail while `on`, like a full disk. */
  failWrites(on: boolean): void {
    this.failAll = on;
  }

  health(): StoreHealth {
    return this.failure === undefined ? { state: 'ok' } : { state: 'failed', cause: this.failure };
  }

  async reopen(): Promise<void> {
    if (this.injectedFailure()) {
      this.failure = `reopen failed: ${INJECTED_CAUSE}`;
      throw new StorageUnavailableError(this.failure);
    }
    this.failure = undefined;
  }

  write(batch: StoreBatch): Promise<void> {
    const delay = this.opts.writeDelay;
    if (!delay) {
      try {
        this.writeSync(batch);
        return Promise.resolve();
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const done = this.tail.then(() => delay(batch)).then(() => this.writeSync(batch));
    this.tail = done.catch(() => undefined);
    return done;
  }

  /** writeSync applies a batch at once (the simulator uses it to stay deterministic); it throws StorageUnavailableError when the store is or becomes failed. */
  writeSync(batch: StoreBatch): void {
    if (this.failure === undefined && this.injectedFailure()) this.failure = INJECTED_CAUSE;
    if (this.failure !== undefined) throw new StorageUnavailableError(this.failure);
    this.writes++;
    for (const r of batch.put) this.records.set(r.key, r);
    for (const k of batch.del) this.records.delete(k);
    for (const [k, v] of Object.entries(batch.meta ?? {})) this.meta.set(k, v);
  }

  async close(): Promise<void> {
    await this.tail;
  }

  private injectedFailure(): boolean {
    if (this.failAll) return true;
    if (this.failCount > 0) {
      this.failCount--;
      return true;
    }
    return false;
  }
}

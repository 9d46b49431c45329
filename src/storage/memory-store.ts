import type { Rec } from '../core/records.js';
import type { Store, StoreBatch } from './store.js';

/** MemoryStore is the in-process fake Store for unit tests and the simulator. Its contents survive a simulated crash because the object does. */
export class MemoryStore implements Store {
  readonly records = new Map<string, Rec>();
  readonly meta = new Map<string, unknown>();
  writes = 0;

  async open(): Promise<void> {}

  async loadRecords(): Promise<Rec[]> {
    return [...this.records.keys()].sort().map((k) => this.records.get(k)!);
  }

  async getMeta<T>(name: string): Promise<T | undefined> {
    return this.meta.get(name) as T | undefined;
  }

  async write(batch: StoreBatch): Promise<void> {
    this.writeSync(batch);
  }

  /** writeSync applies a batch at once; the simulator uses it to stay deterministic. */
  writeSync(batch: StoreBatch): void {
    this.writes++;
    for (const r of batch.put) this.records.set(r.key, r);
    for (const k of batch.del) this.records.delete(k);
    for (const [k, v] of Object.entries(batch.meta ?? {})) this.meta.set(k, v);
  }

  async close(): Promise<void> {}
}

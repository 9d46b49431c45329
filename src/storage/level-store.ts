import { Level } from 'level';
import { Packr } from 'msgpackr';
import type { Rec } from '../core/records.js';
import { StoreLockedError, type Store, type StoreBatch } from './store.js';

const packr = new Packr({ useRecords: false, moreTypes: false });
const REC_PREFIX = 'r|';
const META_PREFIX = 'm|';
/** MAX_BATCH_OPS bounds one LevelDB batch; a single larger write is split. */
export const MAX_BATCH_OPS = 10_000;
/** MAX_GROUP_OPS bounds how many queued writes' operations one group commit gathers, keeping each event-loop turn short. */
export const MAX_GROUP_OPS = 2_000;

type BatchOp = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string };

interface Pending {
  batch: StoreBatch;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * LevelStore keeps records in LevelDB. Writes are group-committed: every write()
 * issued while a flush is running joins the next batch, and each batch is written
 * with sync so that one fsync covers many acknowledged writes.
 */
export class LevelStore implements Store {
  private readonly db: Level<string, Uint8Array>;
  private pending: Pending[] = [];
  private flushing = false;
  private closed = false;

  constructor(private readonly dir: string) {
    this.db = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
  }

  async open(): Promise<void> {
    try {
      await this.db.open();
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause;
      if (cause?.code === 'LEVEL_LOCKED') throw new StoreLockedError(this.dir);
      throw e;
    }
  }

  async loadRecords(): Promise<Rec[]> {
    const out: Rec[] = [];
    for await (const [, v] of this.db.iterator({ gte: REC_PREFIX, lt: 'r}' })) out.push(packr.unpack(v) as Rec);
    return out;
  }

  async getMeta<T>(name: string): Promise<T | undefined> {
    const v = await this.db.get(META_PREFIX + name);
    return v === undefined ? undefined : (packr.unpack(v) as T);
  }

  write(batch: StoreBatch): Promise<void> {
    if (this.closed) return Promise.reject(new Error('LevelStore.write after close'));
    return new Promise((resolve, reject) => {
      this.pending.push({ batch, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.pending.length > 0) {
      // A group commit takes whole writes up to MAX_GROUP_OPS operations (at least one
      // write): encoding and handing LevelDB one huge batch is synchronous work, and a
      // full state transfer queues tens of thousands of records while a flush runs.
      let n = 0;
      let count = 0;
      while (n < this.pending.length) {
        const b = this.pending[n]!.batch;
        const ops = b.put.length + b.del.length;
        if (n > 0 && count + ops > MAX_GROUP_OPS) break;
        count += ops;
        n++;
      }
      const group = this.pending.splice(0, n);
      const ops: BatchOp[] = [];
      const meta: Record<string, unknown> = {};
      for (const p of group) {
        for (const r of p.batch.put) ops.push({ type: 'put', key: REC_PREFIX + r.key, value: packr.pack(r) });
        for (const k of p.batch.del) ops.push({ type: 'del', key: REC_PREFIX + k });
        Object.assign(meta, p.batch.meta);
      }
      for (const [k, v] of Object.entries(meta)) ops.push({ type: 'put', key: META_PREFIX + k, value: packr.pack(v) });
      try {
        for (let i = 0; i < ops.length; i += MAX_BATCH_OPS) {
          await this.db.batch(ops.slice(i, i + MAX_BATCH_OPS), { sync: true } as never);
        }
        for (const p of group) p.resolve();
      } catch (e) {
        for (const p of group) p.reject(e);
      }
    }
    this.flushing = false;
  }

  async close(): Promise<void> {
    while (this.flushing || this.pending.length > 0) await new Promise((r) => setTimeout(r, 1));
    this.closed = true;
    await this.db.close();
  }
}

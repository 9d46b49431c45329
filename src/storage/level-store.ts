import { Level } from 'level';
import { Packr } from 'msgpackr';
import type { Rec } from '../core/records.js';
import { HighWaterWriter, maxHighWater, readHighWater, writeHighWater, ZERO_HIGH_WATER, type HighWater } from './high-water.js';
import { errorText, StorageUnavailableError, StoreLockedError, type Store, type StoreBatch, type StoreHealth } from './store.js';

const packr = new Packr({ useRecords: false, moreTypes: false });
const REC_PREFIX = 'r|';
const META_PREFIX = 'm|';
/** COMMITS_KEY holds the store's own group-commit counter (outside the record and meta key ranges); it goes up by one with every batch. */
const COMMITS_KEY = 's|commits';
/** MAX_BATCH_OPS bounds one LevelDB batch; a single larger write is split. */
export const MAX_BATCH_OPS = 10_000;
/** MAX_GROUP_OPS bounds how many queued writes' operations one group commit gathers, keeping each event-loop turn short. */
export const MAX_GROUP_OPS = 1_000;
/** DEFAULT_HIGH_WATER_INTERVAL_MS is how often, at most, the high-water file is rewritten under a steady stream of commits. */
export const DEFAULT_HIGH_WATER_INTERVAL_MS = 100;

type BatchOp = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string };
type Db = Level<string, Uint8Array>;

interface Pending {
  batch: StoreBatch;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** LevelStoreOptions tune a LevelStore; all are optional. */
export interface LevelStoreOptions {
  /** highWaterIntervalMs is the least time between two rewrites of the high-water file. */
  highWaterIntervalMs?: number;
}

/** StoreInspection is what a full scan of the store found: how many records decode, and the high water LevelDB itself holds. */
export interface StoreInspection {
  records: number;
  stored: HighWater;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

/**
 * LevelStore keeps records in LevelDB. Writes are group-committed: every write()
 * issued while a flush is running joins the next batch, and each batch is written
 * with sync so that one fsync covers many acknowledged writes. Each batch also bumps
 * a commit counter that the high-water file (high-water.ts) follows, so that a torn
 * log is noticed at the next open. After any write error the store is failed: that
 * group, everything queued behind it and every later write reject with
 * StorageUnavailableError until reopen() succeeds, so that nothing is acknowledged
 * into a log that LevelDB will cut at the tear when it next recovers it.
 */
export class LevelStore implements Store {
  private db: Db;
  private pending: Pending[] = [];
  /** flushActive is true while flush() runs; it is cleared synchronously when flush() ends, so a write() queued by a resolved writer starts the next one. */
  private flushActive = false;
  private flushing: Promise<void> = Promise.resolve();
  private reopening: Promise<void> | undefined;
  private isOpen = false;
  private closed = false;
  private failure: string | undefined;
  /** hw is the durable high water as of the last group commit. */
  private hw: HighWater = ZERO_HIGH_WATER;
  /** preloaded holds the records of the last inspect() for the next loadRecords(), so start-up scans once. */
  private preloaded: Rec[] | undefined;
  private readonly hwWriter: HighWaterWriter;

  constructor(
    readonly dir: string,
    opts: LevelStoreOptions = {},
  ) {
    this.db = this.newDb();
    this.hwWriter = new HighWaterWriter(dir, opts.highWaterIntervalMs ?? DEFAULT_HIGH_WATER_INTERVAL_MS, (e) => this.fail(`high-water file: ${errorText(e)}`));
  }

  /** open opens the database (a no-op when it is open); its high water starts at the larger of LevelDB's and the high-water file's. */
  async open(): Promise<void> {
    if (this.isOpen) return;
    await this.openDb(true);
    const file = readHighWater(this.dir);
    const stored = await this.storedHighWater();
    this.hw = file && file !== 'garbled' ? maxHighWater(stored, file) : stored;
  }

  /**
   * inspect scans every record and checks that it decodes and matches its key; it
   * throws on the first one that does not (or on a LevelDB read error), and keeps
   * the records for the next loadRecords().
   */
  async inspect(): Promise<StoreInspection> {
    const out: Rec[] = [];
    for await (const [k, v] of this.db.iterator({ gte: REC_PREFIX, lt: 'r}' })) {
      let r: Rec;
      try {
        r = packr.unpack(v) as Rec;
      } catch (e) {
        throw new Error(`record ${k} does not decode: ${errorText(e)}`);
      }
      if (!r || typeof r !== 'object' || r.key !== k.slice(REC_PREFIX.length) || typeof r.hlc !== 'number' || typeof r.seq !== 'number' || typeof r.node !== 'string') {
        throw new Error(`record ${k} is malformed`);
      }
      out.push(r);
    }
    const stored = await this.storedHighWater();
    this.preloaded = out;
    return { records: out.length, stored };
  }

  /** highWater is the durable high water as of the last group commit. */
  highWater(): HighWater {
    return this.hw;
  }

  /**
   * settle lifts the high water to at least `floor` with one synced write of the
   * commit counter (a probe that the disk takes writes) and records it in the
   * high-water file at once. Start-up recovery and reopen() use it.
   */
  async settle(floor: HighWater): Promise<HighWater> {
    const base = maxHighWater(this.hw, floor);
    const next = { ...base, commits: base.commits + 1 };
    await this.db.put(COMMITS_KEY, packr.pack(next.commits), { sync: true } as never);
    await writeHighWater(this.dir, next);
    this.hw = next;
    return next;
  }

  async loadRecords(): Promise<Rec[]> {
    if (this.preloaded) {
      const recs = this.preloaded;
      this.preloaded = undefined;
      return recs;
    }
    const out: Rec[] = [];
    for await (const [, v] of this.db.iterator({ gte: REC_PREFIX, lt: 'r}' })) out.push(packr.unpack(v) as Rec);
    return out;
  }

  async getMeta<T>(name: string): Promise<T | undefined> {
    const v = await this.db.get(META_PREFIX + name);
    return v === undefined ? undefined : (packr.unpack(v) as T);
  }

  health(): StoreHealth {
    return this.failure === undefined ? { state: 'ok' } : { state: 'failed', cause: this.failure };
  }

  write(batch: StoreBatch): Promise<void> {
    if (this.closed) return Promise.reject(new Error('LevelStore.write after close'));
    if (this.failure !== undefined) return Promise.reject(new StorageUnavailableError(this.failure));
    this.preloaded = undefined;
    return new Promise((resolve, reject) => {
      this.pending.push({ batch, resolve, reject });
      if (!this.flushActive) {
        this.flushActive = true;
        this.flushing = this.flush();
      }
    });
  }

  private async flush(): Promise<void> {
    // One function, no await between the loop's end and clearing flushActive: a writer
    // resumed by p.resolve() may call write() before this function returns.
    try {
      while (this.pending.length > 0) {
        if (this.failure !== undefined) {
          this.rejectPending();
          break;
        }
        await this.commitGroup(this.takeGroup());
      }
    } finally {
      this.flushActive = false;
    }
  }

  /** takeGroup takes whole writes up to MAX_GROUP_OPS operations (at least one write): encoding and handing LevelDB one huge batch is synchronous work, and a full state transfer queues tens of thousands of records while a flush runs. */
  private takeGroup(): Pending[] {
    let n = 0;
    let count = 0;
    while (n < this.pending.length) {
      const b = this.pending[n]!.batch;
      const ops = b.put.length + b.del.length;
      if (n > 0 && count + ops > MAX_GROUP_OPS) break;
      count += ops;
      n++;
    }
    return this.pending.splice(0, n);
  }

  private async commitGroup(group: Pending[]): Promise<void> {
    let ops: BatchOp[];
    let next: HighWater;
    // A group is fsynced unless every batch in it opted out (merges from peers): those
    // reach LevelDB's log at once, survive a crash of the process, and the next synced
    // batch (an own write, the gossip state behind them) flushes the log over them. An
    // unsynced group does not count as a commit and is not noted in the high-water file,
    // which follows only what is durable.
    const sync = group.some((p) => p.batch.sync !== false);
    try {
      ({ ops, next } = this.encode(group, sync));
    } catch (e) {
      for (const p of group) p.reject(e); // a record that does not encode is the caller's bug, not a storage failure
      return;
    }
    try {
      for (let i = 0; i < ops.length; i += MAX_BATCH_OPS) {
        await this.db.batch(ops.slice(i, i + MAX_BATCH_OPS), { sync } as never);
      }
    } catch (e) {
      this.fail(errorText(e));
      const err = new StorageUnavailableError(this.failure!);
      for (const p of group) p.reject(err);
      return;
    }
    if (sync) {
      this.hw = next;
      this.hwWriter.note(next);
    }
    for (const p of group) p.resolve();
  }

  private encode(group: Pending[], commit = true): { ops: BatchOp[]; next: HighWater } {
    const ops: BatchOp[] = [];
    const meta: Record<string, unknown> = {};
    for (const p of group) {
      for (const r of p.batch.put) ops.push({ type: 'put', key: REC_PREFIX + r.key, value: packr.pack(r) });
      for (const k of p.batch.del) ops.push({ type: 'del', key: REC_PREFIX + k });
      Object.assign(meta, p.batch.meta);
    }
    for (const [k, v] of Object.entries(meta)) ops.push({ type: 'put', key: META_PREFIX + k, value: packr.pack(v) });
    const next: HighWater = { commits: this.hw.commits + 1, seq: Math.max(this.hw.seq, num(meta.seq)), hlc: Math.max(this.hw.hlc, num(meta.hlc)) };
    if (commit) ops.push({ type: 'put', key: COMMITS_KEY, value: packr.pack(next.commits) }); // last, so a split batch counts only once whole
    return { ops, next };
  }

  private fail(cause: string): void {
    this.failure ??= cause;
  }

  private rejectPending(): void {
    const err = new StorageUnavailableError(this.failure ?? 'store closed');
    for (const p of this.pending.splice(0)) p.reject(err);
  }

  /** reopen closes LevelDB, opens it again and verifies it (record scan, meta, a synced probe write and the high-water file). */
  reopen(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('LevelStore.reopen after close'));
    this.reopening ??= this.doReopen().finally(() => (this.reopening = undefined));
    return this.reopening;
  }

  private async doReopen(): Promise<void> {
    const before = this.failure;
    this.failure ??= 'reopening'; // writes arriving meanwhile are refused, not queued
    while (this.flushActive) await this.flushing;
    this.rejectPending();
    try {
      await this.db.close();
    } catch {
      /* a failed database may fail to close too; the new handle is what counts */
    }
    this.isOpen = false;
    this.db = this.newDb();
    try {
      await this.openDb(false);
      const { stored } = await this.inspect();
      this.preloaded = undefined;
      await this.settle(stored);
    } catch (e) {
      this.failure = `reopen failed: ${errorText(e)}${before && before !== 'reopening' ? ` (store failed before: ${before})` : ''}`;
      throw new StorageUnavailableError(this.failure);
    }
    this.failure = undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    while (this.reopening) await this.reopening.catch(() => undefined);
    while (this.flushActive) await this.flushing;
    this.closed = true;
    if (this.failure === undefined && this.isOpen) await this.hwWriter.flush().catch(() => undefined);
    this.hwWriter.stop();
    this.preloaded = undefined;
    await this.db.close();
  }

  private newDb(): Db {
    return new Level<string, Uint8Array>(this.dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
  }

  private async openDb(createIfMissing: boolean): Promise<void> {
    try {
      await this.db.open({ createIfMissing } as never);
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause;
      if (cause?.code === 'LEVEL_LOCKED') throw new StoreLockedError(this.dir);
      throw e;
    }
    this.isOpen = true;
  }

  private async storedHighWater(): Promise<HighWater> {
    const get = async (key: string) => {
      const v = await this.db.get(key);
      return v === undefined ? 0 : num(packr.unpack(v));
    };
    return { commits: await get(COMMITS_KEY), seq: await get(META_PREFIX + 'seq'), hlc: await get(META_PREFIX + 'hlc') };
  }
}

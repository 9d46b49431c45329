import { GrapevineError } from '../core/errors.js';
import type { Rec } from '../core/records.js';

/** StoreBatch is one atomic write: records to put, keys to delete and metadata to set. */
export interface StoreBatch {
  put: Rec[];
  del: string[];
  meta?: Record<string, unknown>;
  /** sync false lets the batch reach the log without its own fsync (merges from peers); the next synced batch covers it. Default true. */
  sync?: boolean;
}

/** StoreHealth is the store's state: 'failed' after any storage error, with its cause, until reopen() succeeds. */
export interface StoreHealth {
  state: 'ok' | 'failed';
  cause?: string;
}

/**
 * Store is the persistence seam. write() resolves only once the batch is durable:
 * the API acknowledges a write after that, so an acknowledged write survives kill -9.
 * After any storage error the store is 'failed': every write rejects with
 * StorageUnavailableError until reopen() has reopened and verified it.
 */
export interface Store {
  /** open opens the store; it rejects with StoreLockedError when another process holds it. */
  open(): Promise<void>;
  /** loadRecords reads every stored record (live and tombstones), in key order. */
  loadRecords(): Promise<Rec[]>;
  /** getMeta reads one metadata value (HLC, own sequence, peers, incarnation...). */
  getMeta<T>(name: string): Promise<T | undefined>;
  /** write applies a batch atomically and durably; it rejects with StorageUnavailableError while the store is failed. */
  write(batch: StoreBatch): Promise<void>;
  /** health reports, synchronously, whether the store accepts writes and why not. */
  health(): StoreHealth;
  /**
   * reopen closes and reopens the store and verifies it (meta read, record scan, a
   * synced probe write); on success the state is 'ok' again. It rejects with
   * StorageUnavailableError, leaving the store failed, when that does not work.
   * The caller writes back what it holds in memory before acknowledging again:
   * writes that failed may or may not be in the reopened store.
   */
  reopen(): Promise<void>;
  /** close flushes pending writes and releases the store. */
  close(): Promise<void>;
}

/** StoreLockedError says that another daemon already has the data directory open. */
export class StoreLockedError extends Error {
  readonly code = 'StoreLocked';
  constructor(dir: string) {
    super(`data directory ${dir} is in use by another grapevine daemon (LevelDB lock held)`);
    this.name = 'StoreLockedError';
  }
}

/** StoreDamagedError says that the store is damaged and `--no-recover` forbids repairing it; the daemon exits with code 6. */
export class StoreDamagedError extends Error {
  readonly code = 'StoreDamaged';
  constructor(
    readonly dir: string,
    readonly problem: string,
  ) {
    super(`the store in ${dir} is damaged (${problem}); --no-recover is set, so it is left as it is`);
    this.name = 'StoreDamagedError';
  }
}

/** StorageUnavailableError is the rejection of a write while the store is failed; the API answers 503 StorageUnavailable. */
export class StorageUnavailableError extends GrapevineError {
  /** storeCause is the storage error that failed the store. */
  readonly storeCause: string;
  constructor(cause: string) {
    super('StorageUnavailable', `store failed: ${cause}`);
    this.name = 'StorageUnavailableError';
    this.storeCause = cause;
  }
}

/** errorText renders a storage error and its cause chain on one line (LevelDB wraps the real error in `cause`). */
export function errorText(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 4; depth++) {
    const err = cur as { message?: unknown; code?: unknown; cause?: unknown };
    const msg = typeof err.message === 'string' ? err.message : String(cur);
    const code = typeof err.code === 'string' ? err.code : undefined;
    const text = code && !msg.includes(code) ? `${msg} (${code})` : msg;
    if (!parts.includes(text)) parts.push(text);
    cur = err.cause;
  }
  return parts.join(': ');
}

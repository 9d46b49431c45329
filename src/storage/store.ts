import type { Rec } from '../core/records.js';

/** StoreBatch is one atomic write: records to put, keys to delete and metadata to set. */
export interface StoreBatch {
  put: Rec[];
  del: string[];
  meta?: Record<string, unknown>;
}

/**
 * Store is the persistence seam. write() resolves only once the batch is durable:
 * the API acknowledges a write after that, so an acknowledged write survives kill -9.
 */
export interface Store {
  /** open opens the store; it rejects with StoreLockedError when another process holds it. */
  open(): Promise<void>;
  /** loadRecords reads every stored record (live and tombstones), in key order. */
  loadRecords(): Promise<Rec[]>;
  /** getMeta reads one metadata value (HLC, own sequence, peers, incarnation...). */
  getMeta<T>(name: string): Promise<T | undefined>;
  /** write applies a batch atomically and durably. */
  write(batch: StoreBatch): Promise<void>;
  /** reopen closes and reopens a store that failed, and verifies it (absent: the store needs no reopening). */
  reopen?(): Promise<void>;
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

/**
 * Start-up recovery of the LevelDB data dir. LevelDB on its own starts silently with
 * less than it had: it cuts a torn or truncated write-ahead log at the tear, starts an
 * empty database when CURRENT is gone, and throws on a damaged MANIFEST or table.
 * openStoreWithRecovery notices all of these (open errors, a full record scan, and
 * the high-water file), then repairs (LevelDB's RepairDB), or moves the directory
 * aside and starts empty, and says what it did, so that the node refills from peers
 * and numbers its writes above everything it ever wrote.
 */
import { mkdirSync, readdirSync, renameSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import { maxHighWater, readHighWater, ZERO_HIGH_WATER, type HighWater } from './high-water.js';
import { LevelStore, type LevelStoreOptions } from './level-store.js';
import { errorText, StorageUnavailableError, StoreDamagedError, StoreLockedError } from './store.js';

/** RecoveryLogger is the part of the daemon's (pino) logger that recovery writes to. */
export interface RecoveryLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** OpenStoreOptions configure openStoreWithRecovery. */
export interface OpenStoreOptions extends LevelStoreOptions {
  /** recover repairs or moves aside a damaged store; false makes start-up fail with StoreDamagedError instead (`--no-recover`). */
  recover: boolean;
  logger: RecoveryLogger;
  /** nowMs names the moved-aside directory (default: the wall clock). */
  nowMs?: () => number;
  /** repair replaces LevelDB's RepairDB (tests make it fail). */
  repair?: (dir: string) => Promise<void>;
}

/** RecoveryOutcome says what start-up found and did; the node refills from peers unless `recovered` is 'none'. */
export interface RecoveryOutcome {
  recovered: 'none' | 'repaired' | 'moved-aside';
  /** problem says what was wrong with the store (absent when nothing was). */
  problem?: string;
  /** movedTo is where the damaged directory went ('moved-aside' only). */
  movedTo?: string;
  /** records is how many records the store holds now. */
  records: number;
  /** stored is the high water LevelDB holds now. */
  stored: HighWater;
  /** highWater is the most the store ever had durably: the node numbers its writes above highWater.seq and keeps its HLC above highWater.hlc. */
  highWater: HighWater;
  /** lostCommits counts group commits that were durable once and are gone now (0 when unknown). */
  lostCommits: number;
  /** lostSeqFrom is the first own sequence number that may be missing locally (when highWater.seq > stored.seq). */
  lostSeqFrom?: number;
}

const LEVEL_FILE = /^(\d+\.(log|ldb|sst)|MANIFEST-\d+)$/;
/** Open errors that are about the disk or the process, not damage: repairing or moving the data away would not help. */
const NOT_DAMAGE = /Permission denied|No space left|Read-only file system|Too many open files|Disk quota exceeded/i;

function missingCurrent(dir: string): string | undefined {
  const names = readdirSync(dir);
  if (names.some((n) => LEVEL_FILE.test(n)) && !names.includes('CURRENT')) return 'CURRENT is missing, but LevelDB files are there';
  return undefined;
}

async function closeQuietly(store: LevelStore): Promise<void> {
  await store.close().catch(() => undefined);
}

/** inspectStore opens a store and scans it; it throws StoreLockedError as is and StorageUnavailableError for disk (not damage) errors. */
async function inspectStore(dir: string, opts: LevelStoreOptions): Promise<{ store: LevelStore; records: number; stored: HighWater }> {
  const store = new LevelStore(dir, opts);
  try {
    await store.open();
    const { records, stored } = await store.inspect();
    return { store, records, stored };
  } catch (e) {
    await closeQuietly(store);
    if (e instanceof StoreLockedError) throw e;
    const text = errorText(e);
    if (NOT_DAMAGE.test(text)) throw new StorageUnavailableError(`cannot open the store in ${dir}: ${text}`);
    throw new Error(text);
  }
}

/** settleOrRefuse settles the store above `floor`; a failure there is the disk refusing writes (not damage), so the store is closed and the error typed. */
async function settleOrRefuse(store: LevelStore, floor: HighWater, dir: string): Promise<HighWater> {
  try {
    return await store.settle(floor);
  } catch (e) {
    await closeQuietly(store);
    throw new StorageUnavailableError(`cannot write to the store in ${dir}: ${errorText(e)}`);
  }
}

function moveAside(dir: string, nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().replace(/[:.]/g, '-');
  let target = `${dir}.corrupt-${stamp}`;
  for (let i = 1; existsSync(target); i++) target = `${dir}.corrupt-${stamp}-${i}`;
  try {
    renameSync(dir, target);
  } catch {
    // The data dir may be a mount point (EBUSY, EXDEV): move its contents instead.
    mkdirSync(target);
    for (const n of readdirSync(dir)) renameSync(join(dir, n), join(target, n));
  }
  mkdirSync(dir, { recursive: true });
  return target;
}

/**
 * openStoreWithRecovery opens the LevelDB store in `dir`, checks it against the
 * high-water file, and repairs or moves aside a damaged one (see the file comment).
 * It rejects with StoreLockedError (another daemon), StoreDamagedError (damaged and
 * `recover` is false) or StorageUnavailableError (the disk refuses: permissions, full).
 */
export async function openStoreWithRecovery(dir: string, opts: OpenStoreOptions): Promise<{ store: LevelStore; outcome: RecoveryOutcome }> {
  const { logger } = opts;
  const storeOpts: LevelStoreOptions = opts.highWaterIntervalMs === undefined ? {} : { highWaterIntervalMs: opts.highWaterIntervalMs };
  mkdirSync(dir, { recursive: true });
  const file = readHighWater(dir);
  if (file === 'garbled') logger.warn({ dataDir: dir }, 'the high-water file is garbled; the store cannot be checked against it this time');
  const floor = file && file !== 'garbled' ? file : ZERO_HIGH_WATER;

  let problem = missingCurrent(dir);
  let recordsBefore: number | undefined;
  if (!problem) {
    try {
      const found = await inspectStore(dir, storeOpts);
      if (found.stored.commits >= floor.commits) {
        const highWater = await settleOrRefuse(found.store, floor, dir);
        return { store: found.store, outcome: { recovered: 'none', records: found.records, stored: found.stored, highWater, lostCommits: 0 } };
      }
      recordsBefore = found.records;
      problem = `LevelDB holds ${found.stored.commits} group commits (seq ${found.stored.seq}), but ${floor.commits} (seq ${floor.seq}) were durable: the write-ahead log was torn or truncated`;
      await closeQuietly(found.store);
    } catch (e) {
      if (e instanceof StoreLockedError || e instanceof StorageUnavailableError) throw e;
      problem = (e as Error).message;
    }
  }

  logger.error({ dataDir: dir, problem, highWater: floor }, 'the store is damaged');
  if (!opts.recover) throw new StoreDamagedError(dir, problem);

  const outcome = (recovered: RecoveryOutcome['recovered'], found: { records: number; stored: HighWater }, highWater: HighWater): RecoveryOutcome => {
    const o: RecoveryOutcome = { recovered, problem: problem!, records: found.records, stored: found.stored, highWater, lostCommits: Math.max(0, floor.commits - found.stored.commits) };
    if (highWater.seq > found.stored.seq) o.lostSeqFrom = found.stored.seq + 1;
    return o;
  };

  try {
    await (opts.repair ?? ((d: string) => (Level as unknown as { repair(d: string): Promise<void> }).repair(d)))(dir);
    const found = await inspectStore(dir, storeOpts);
    const highWater = await settleOrRefuse(found.store, floor, dir);
    const o = outcome('repaired', found, highWater);
    const lost = { recordsBefore, recordsAfter: found.records, commitsBefore: floor.commits, commitsAfter: found.stored.commits, seqBefore: floor.seq, seqAfter: found.stored.seq, lostCommits: o.lostCommits };
    logger.error({ dataDir: dir, ...lost, highWater }, `store repaired: ${o.lostCommits} of ${floor.commits} group commits lost, ${found.records} records kept${recordsBefore === undefined ? '' : ` (${recordsBefore} before the repair)`}; what is missing comes back from peers`);
    return { store: found.store, outcome: o };
  } catch (e) {
    if (e instanceof StoreLockedError || e instanceof StorageUnavailableError) throw e;
    if (NOT_DAMAGE.test(errorText(e))) throw new StorageUnavailableError(`cannot repair the store in ${dir}: ${errorText(e)}`);
    logger.error({ dataDir: dir, err: errorText(e) }, 'store repair failed');
  }

  const movedTo = moveAside(dir, (opts.nowMs ?? Date.now)());
  const found = await inspectStore(dir, storeOpts);
  const highWater = await settleOrRefuse(found.store, maxHighWater(floor, found.stored), dir);
  const o = { ...outcome('moved-aside', found, highWater), movedTo };
  logger.error({ dataDir: dir, movedTo, problem, highWater }, `the damaged store was moved aside to ${movedTo}; starting empty and refilling from peers`);
  return { store: found.store, outcome: o };
}

/**
 * The high-water file: a small JSON file in the data dir, outside LevelDB, that
 * remembers how far the store had come (group commits, own sequence, HLC). LevelDB
 * silently drops a torn or truncated write-ahead log on open, and starts empty when
 * CURRENT is gone; comparing the reopened store with this file is how the daemon
 * notices that it holds less than it had. It is written with write + fsync + rename
 * + directory fsync, so it is either the old or the new version, never half of one.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';

/** HIGH_WATER_FILE is the file name; LevelDB ignores (and never deletes) files it does not recognise. */
export const HIGH_WATER_FILE = 'grapevine-highwater.json';

/** HighWater is what the store had durably: its group-commit count, and the highest `seq` and `hlc` meta values written. */
export interface HighWater {
  commits: number;
  seq: number;
  hlc: number;
}

/** ZERO_HIGH_WATER is the high water of a new, empty store. */
export const ZERO_HIGH_WATER: HighWater = { commits: 0, seq: 0, hlc: 0 };

/** maxHighWater is the field-wise maximum: high waters never go down. */
export function maxHighWater(a: HighWater, b: HighWater): HighWater {
  return { commits: Math.max(a.commits, b.commits), seq: Math.max(a.seq, b.seq), hlc: Math.max(a.hlc, b.hlc) };
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** readHighWater reads the file: undefined when absent, 'garbled' when it is not what this module writes. */
export function readHighWater(dir: string): HighWater | undefined | 'garbled' {
  let text: string;
  try {
    text = readFileSync(join(dir, HIGH_WATER_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    if (o.version === 1 && isCount(o.commits) && isCount(o.seq) && isCount(o.hlc)) return { commits: o.commits, seq: o.seq, hlc: o.hlc };
  } catch {
    /* falls through to 'garbled' */
  }
  return 'garbled';
}

function body(hw: HighWater): string {
  return JSON.stringify({ version: 1, commits: hw.commits, seq: hw.seq, hlc: hw.hlc }) + '\n';
}

/** writeHighWaterSync replaces the file durably (start-up and recovery use it). */
export function writeHighWaterSync(dir: string, hw: HighWater): void {
  const tmp = join(dir, HIGH_WATER_FILE + '.tmp');
  const fd = openSync(tmp, 'w');
  try {
    writeFileSync(fd, body(hw));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, HIGH_WATER_FILE));
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

/** writeHighWater replaces the file durably without blocking the event loop. */
export async function writeHighWater(dir: string, hw: HighWater): Promise<void> {
  const tmp = join(dir, HIGH_WATER_FILE + '.tmp');
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(body(hw));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(dir, HIGH_WATER_FILE));
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

/**
 * HighWaterWriter keeps the file a little behind the store, never ahead of it: the
 * store calls note() after each durable group commit, and the writer replaces the
 * file at most once per `minIntervalMs`, one write at a time, off the write path
 * (acknowledgements do not wait for it). A failed write is reported to `onError`.
 */
export class HighWaterWriter {
  private latest: HighWater | undefined;
  private written: HighWater | undefined;
  private inflight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastStartMs = -Infinity;

  constructor(
    private readonly dir: string,
    private readonly minIntervalMs: number,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** note records a new durable high water; the file follows soon. */
  note(hw: HighWater): void {
    this.latest = hw;
    this.kick();
  }

  /** flush waits for any write in flight, then writes the latest high water if the file lags; it rejects on a write error. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.inflight) await this.inflight.catch(() => undefined);
    if (this.latest && this.latest !== this.written) {
      const hw = this.latest;
      await writeHighWater(this.dir, hw);
      this.written = hw;
    }
  }

  /** stop cancels a scheduled write (an in-flight one finishes by itself). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.latest = undefined;
  }

  private kick(): void {
    if (this.inflight || this.timer || !this.latest || this.latest === this.written) return;
    const waitMs = this.lastStartMs + this.minIntervalMs - performance.now();
    if (waitMs > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.kick();
      }, waitMs);
      this.timer.unref();
      return;
    }
    const hw = this.latest;
    this.lastStartMs = performance.now();
    this.inflight = writeHighWater(this.dir, hw).then(
      () => {
        this.written = hw;
        this.inflight = undefined;
        this.kick();
      },
      (e: unknown) => {
        this.inflight = undefined;
        this.onError(e);
      },
    );
  }
}

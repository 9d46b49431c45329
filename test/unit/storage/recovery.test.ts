import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import type { Rec } from '../../../src/core/records.js';
import { readHighWater } from '../../../src/storage/high-water.js';
import { openStoreWithRecovery, type OpenStoreOptions } from '../../../src/storage/recovery.js';
import { StoreDamagedError } from '../../../src/storage/store.js';

function rec(i: number): Rec {
  return { key: `i|ns|svc|${String(i).padStart(5, '0')}`, value: { n: i, pad: 'p'.repeat(40) }, hlc: 1000 + i, node: 'a', seq: i };
}

interface Line {
  level: string;
  obj: Record<string, unknown>;
  msg: string;
}

function capture(): { logger: OpenStoreOptions['logger']; lines: Line[] } {
  const lines: Line[] = [];
  const at = (level: string) => (obj: object, msg: string) => void lines.push({ level, obj: obj as Record<string, unknown>, msg });
  return { logger: { info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'gv-recovery-'));
  try {
    await fn(join(base, 'data'));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

/** fill writes records from..to (one batch each, with seq/hlc meta as the node writes it) and closes the store cleanly. */
async function fill(dir: string, from: number, to: number): Promise<void> {
  const { store } = await openStoreWithRecovery(dir, { recover: true, logger: capture().logger });
  for (let i = from; i <= to; i++) await store.write({ put: [rec(i)], del: [], meta: { seq: i, hlc: 1000 + i } });
  await store.close();
}

async function open(dir: string, extra: Partial<OpenStoreOptions> = {}) {
  const c = capture();
  const r = await openStoreWithRecovery(dir, { recover: true, logger: c.logger, ...extra });
  const seqs = (await r.store.loadRecords()).map((x) => x.seq);
  await r.store.close();
  return { ...r, seqs, lines: c.lines };
}

function walFile(dir: string): string {
  const log = readdirSync(dir).find((n) => /^\d+\.log$/.test(n));
  assert.ok(log, 'a write-ahead log exists');
  return join(dir, log);
}

test('a clean restart recovers nothing and keeps every record; the high-water file follows the store', async () => {
  await withDir(async (dir) => {
    const fresh = await open(dir);
    assert.equal(fresh.outcome.recovered, 'none');
    await fill(dir, 1, 50);
    const again = await open(dir);
    assert.equal(again.outcome.recovered, 'none');
    assert.equal(again.seqs.length, 50);
    assert.equal(again.outcome.highWater.seq, 50);
    assert.deepEqual(again.lines.filter((l) => l.level !== 'info'), [], 'nothing to warn about');
    const hw = readHighWater(dir);
    assert.ok(hw && hw !== 'garbled' && hw.seq === 50);
  });
});

test('a truncated write-ahead log is detected, repaired, the loss is logged, and the sequence high water survives', async () => {
  await withDir(async (dir) => {
    await fill(dir, 1, 200);
    const wal = walFile(dir);
    truncateSync(wal, Math.floor(statSync(wal).size / 2));
    const r = await open(dir);
    assert.equal(r.outcome.recovered, 'repaired');
    assert.match(r.outcome.problem ?? '', /write-ahead log was torn or truncated/);
    assert.ok(r.seqs.length < 200, 'the truncation lost records');
    assert.ok(r.outcome.lostCommits > 0);
    assert.equal(r.outcome.highWater.seq, 200, 'the node continues above every seq it ever wrote');
    assert.equal(r.outcome.lostSeqFrom, r.outcome.stored.seq + 1);
    assert.ok(r.lines.some((l) => l.level === 'error' && /store repaired: \d+ of \d+ group commits lost/.test(l.msg) && l.obj.dataDir === dir));
    const next = await open(dir);
    assert.equal(next.outcome.recovered, 'none', 'after recovery the next start is clean');
    assert.equal(next.outcome.highWater.seq, 200, 'and still remembers the high water');
  });
});

test('with recover: false a damaged store is neither repaired nor moved, and start-up fails with StoreDamagedError, every time', async () => {
  await withDir(async (dir) => {
    await fill(dir, 1, 100);
    const wal = walFile(dir);
    truncateSync(wal, Math.floor(statSync(wal).size / 3));
    for (let i = 0; i < 2; i++) {
      await assert.rejects(open(dir, { recover: false }), (e: unknown) => e instanceof StoreDamagedError && e.code === 'StoreDamaged' && e.message.includes(dir));
    }
    assert.equal((await open(dir)).outcome.recovered, 'repaired', 'recovery still works afterwards');
  });
});

test('a deleted CURRENT is detected before LevelDB would start empty, and repair brings every record back', async () => {
  await withDir(async (dir) => {
    await fill(dir, 1, 100);
    await fill(dir, 101, 150); // the second open moves the first log into a table file
    unlinkSync(join(dir, 'CURRENT'));
    const r = await open(dir);
    assert.equal(r.outcome.recovered, 'repaired');
    assert.match(r.outcome.problem ?? '', /CURRENT is missing/);
    assert.equal(r.seqs.length, 150);
    assert.equal(r.outcome.lostCommits, 0);
  });
});

test('a store that repair cannot fix is moved aside to <dataDir>.corrupt-<time>; the new one starts empty above the old high water', async () => {
  await withDir(async (dir) => {
    await fill(dir, 1, 30);
    // A record LevelDB considers valid but that does not decode: repair keeps it, the check still fails.
    const db = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
    await db.open();
    await db.put('r|i|ns|svc|00007', new Uint8Array([0xc1, 0xc1, 0xc1]));
    await db.close();
    const r = await open(dir, { nowMs: () => Date.UTC(2030, 0, 2, 3, 4, 5, 6) });
    assert.equal(r.outcome.recovered, 'moved-aside');
    assert.equal(r.outcome.movedTo, `${dir}.corrupt-2030-01-02T03-04-05-006Z`);
    assert.ok(existsSync(join(r.outcome.movedTo!, 'CURRENT')), 'the damaged files are kept there');
    assert.deepEqual(r.seqs, [], 'the new store starts empty');
    assert.equal(r.outcome.highWater.seq, 30);
    assert.equal(r.outcome.lostSeqFrom, 1);
    assert.ok(r.lines.some((l) => l.level === 'error' && l.msg.includes(r.outcome.movedTo!)), 'the error names the path');
    assert.equal((await open(dir)).outcome.recovered, 'none');
  });
});

test('when LevelDB repair itself fails, the directory is moved aside', async () => {
  await withDir(async (dir) => {
    await fill(dir, 1, 20);
    unlinkSync(join(dir, readdirSync(dir).find((n) => n.startsWith('MANIFEST-'))!));
    const r = await open(dir, { repair: async () => Promise.reject(new Error('repair refused')) });
    assert.equal(r.outcome.recovered, 'moved-aside');
    assert.match(r.outcome.problem ?? '', /MANIFEST/);
    assert.ok(r.lines.some((l) => l.msg === 'store repair failed' && /repair refused/.test(String(l.obj.err))));
  });
});

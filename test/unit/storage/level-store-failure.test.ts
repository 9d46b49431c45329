import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Rec } from '../../../src/core/records.js';
import { LevelStore } from '../../../src/storage/level-store.js';
import { openStoreWithRecovery } from '../../../src/storage/recovery.js';
import { StorageUnavailableError } from '../../../src/storage/store.js';

function rec(i: number, pad = 0): Rec {
  return { key: `i|ns|svc|${i}`, value: { n: i, pad: 'x'.repeat(pad) }, hlc: 1000 + i, node: 'a', seq: i };
}

function unavailable(e: unknown): boolean {
  return e instanceof StorageUnavailableError && e.code === 'StorageUnavailable' && e.status === 503;
}

const quiet = { info() {}, warn() {}, error() {} };

test('LevelStore: a failed group commit rejects its writes and those queued behind it, and every later write, until reopen()', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gv-fail-'));
  try {
    const s = new LevelStore(dir);
    await s.open();
    // Inject the failure into LevelDB's batch: the second group commit fails as a full disk would.
    const db = (s as unknown as { db: { batch: (...a: unknown[]) => Promise<void> } }).db;
    const realBatch = db.batch.bind(db);
    let calls = 0;
    db.batch = async (...a: unknown[]) => {
      calls++;
      if (calls === 2) throw Object.assign(new Error('IO error: 000003.log: No space left on device'), { code: 'LEVEL_IO_ERROR' });
      return realBatch(...a);
    };
    const first = s.write({ put: [rec(1)], del: [], meta: { seq: 1 } }); // group 1, alone
    const queued = [2, 3, 4, 5].map((i) => s.write({ put: [rec(i)], del: [], meta: { seq: i } })); // group 2, behind it
    await first;
    const results = await Promise.allSettled(queued);
    for (const r of results) assert.ok(r.status === 'rejected' && unavailable(r.reason), 'no write of the failed group is acknowledged');
    const h = s.health();
    assert.equal(h.state, 'failed');
    assert.match(h.cause ?? '', /No space left on device/);
    await assert.rejects(s.write({ put: [rec(6)], del: [] }), (e: unknown) => unavailable(e) && /store failed: .*No space left/.test((e as Error).message));
    assert.equal(calls, 2, 'a failed store does not touch LevelDB for later writes');

    db.batch = realBatch; // "space freed"; reopen() uses a new handle anyway
    await s.reopen();
    assert.deepEqual(s.health(), { state: 'ok' });
    await s.write({ put: [rec(7)], del: [], meta: { seq: 7 } });
    await s.close();

    const again = new LevelStore(dir);
    await again.open();
    assert.deepEqual((await again.loadRecords()).map((r) => r.seq), [1, 7], 'exactly the acknowledged writes are stored');
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('LevelStore on a full 2 MiB tmpfs: fails on ENOSPC, acknowledges nothing into the torn log, and after space is freed and reopen() every acknowledged write survives a restart', async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('needs root to mount a tmpfs');
    return;
  }
  const mnt = mkdtempSync(join(tmpdir(), 'gv-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { stdio: 'pipe' });
  } catch (e) {
    rmSync(mnt, { recursive: true, force: true });
    t.skip(`cannot mount a tmpfs: ${(e as Error).message.split('\n')[0]}`);
    return;
  }
  const open: LevelStore[] = [];
  try {
    const filler = join(mnt, 'filler');
    writeFileSync(filler, Buffer.alloc(512 * 1024, 1)); // freed later, as an operator would free space
    const dir = join(mnt, 'data');
    mkdirSync(dir);
    const { store: s } = await openStoreWithRecovery(dir, { recover: true, logger: quiet });
    open.push(s);
    const acked: number[] = [];
    let failure: unknown;
    for (let i = 1; i <= 20_000 && failure === undefined; i++) {
      // A few writes in flight at once, as under load: some queue behind a failing group.
      const batch = [i, i + 20_000, i + 40_000].map((k) => s.write({ put: [rec(k, 1500)], del: [], meta: { seq: k } }).then(() => acked.push(k)));
      for (const r of await Promise.allSettled(batch)) if (r.status === 'rejected') failure = r.reason;
    }
    assert.ok(unavailable(failure), `the disk filled up and a write was refused: ${String(failure)}`);
    assert.equal(s.health().state, 'failed');
    assert.match(s.health().cause ?? '', /no space left on device/i, 'the cause is in the state (LevelDB or the high-water file, whichever hit it first)');
    await assert.rejects(s.write({ put: [rec(99_999)], del: [] }), unavailable);

    unlinkSync(filler);
    // Space is free again, but LevelDB's log is torn at the failure: a write appended
    // now would be acknowledged and then dropped on the next recovery (issue 10 §1).
    await assert.rejects(s.write({ put: [rec(99_998)], del: [] }), unavailable, 'nothing is acknowledged into the torn log before reopen()');
    let reopened = false;
    for (let attempt = 0; attempt < 5 && !reopened; attempt++) {
      reopened = await s.reopen().then(() => true, () => false);
    }
    assert.ok(reopened, `reopen() succeeds once space is free (${s.health().cause ?? ''})`);
    const after = [100_001, 100_002, 100_003];
    for (const k of after) {
      await s.write({ put: [rec(k)], del: [], meta: { seq: k } });
      acked.push(k);
    }
    await s.close();

    const { store: again, outcome } = await openStoreWithRecovery(dir, { recover: true, logger: quiet });
    open.push(again);
    const have = new Set((await again.loadRecords()).map((r) => r.seq));
    const missing = acked.filter((k) => !have.has(k));
    assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged writes lost`);
    assert.equal(outcome.recovered, 'none', 'a clean restart finds nothing to recover');
    await again.close();
  } finally {
    for (const st of open) await st.close().catch(() => undefined); // an open LevelDB keeps the mount busy
    execFileSync('umount', [mnt], { stdio: 'pipe' });
    rmSync(mnt, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Rec } from '../../../src/core/records.js';
import { LevelStore, MAX_GROUP_OPS } from '../../../src/storage/level-store.js';
import { StoreLockedError } from '../../../src/storage/store.js';

function rec(i: number): Rec {
  return { key: `n|ns${i}`, value: { name: `ns${i}`, type: 'HTTP', description: '', soaTtl: 15, createdAtMs: 0 }, hlc: i + 1, node: 'a', seq: i + 1 };
}

test('LevelStore group-commits concurrent writes in bounded groups and reloads exactly them, with the last meta', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gv-level-'));
  try {
    const s = new LevelStore(dir);
    await s.open();
    const writes: Promise<void>[] = [];
    const total = MAX_GROUP_OPS * 3 + 17;
    for (let i = 0; i < total; i++) writes.push(s.write({ put: [rec(i)], del: [], meta: { seq: i + 1 } }));
    writes.push(s.write({ put: [], del: ['n|ns0'], meta: { seq: total } }));
    await Promise.all(writes);
    await s.close();

    const again = new LevelStore(dir);
    await again.open();
    const recs = await again.loadRecords();
    assert.equal(recs.length, total - 1, 'every put but the deleted one');
    assert.ok(!recs.some((r) => r.key === 'n|ns0'));
    assert.deepEqual(recs.find((r) => r.key === 'n|ns5'), rec(5));
    assert.equal(await again.getMeta<number>('seq'), total, 'meta of the last write wins');
    assert.equal(await again.getMeta<number>('nothing'), undefined);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('LevelStore refuses a data directory that another store holds open', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gv-level-'));
  try {
    const a = new LevelStore(dir);
    await a.open();
    await assert.rejects(new LevelStore(dir).open(), (e: unknown) => e instanceof StoreLockedError && /in use/.test((e as Error).message));
    await a.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('LevelStore: merges written without sync are kept across a close and reopen, and do not count as commits', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gv-level-'));
  try {
    const s = new LevelStore(dir);
    await s.open();
    await s.write({ put: [rec(0)], del: [], meta: { seq: 1 } });
    const before = (await s.inspect()).stored.commits;
    for (let i = 1; i < 20; i++) await s.write({ put: [rec(i)], del: [], sync: false });
    assert.equal((await s.inspect()).stored.commits, before, 'unsynced merges leave the commit counter alone');
    await s.write({ put: [], del: [], meta: { seq: 1 } }); // a synced write covers them
    assert.equal((await s.inspect()).stored.commits, before + 1);
    await s.close();
    const again = new LevelStore(dir);
    await again.open();
    assert.equal((await again.loadRecords()).length, 20, 'every merge is there after a reopen');
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { api, startDaemon, type Daemon } from './helpers/daemon.js';

/** logLines parses a daemon's JSON log lines (other output is skipped). */
function logLines(d: Daemon | string): { level: number; msg: string; [k: string]: unknown }[] {
  const text = typeof d === 'string' ? d : d.output();
  const out = [];
  for (const line of text.split('\n')) {
    try {
      const o = JSON.parse(line);
      if (o && typeof o.msg === 'string') out.push(o);
    } catch {
      /* not a log line */
    }
  }
  return out;
}

async function fillNamespaces(d: Daemon, from: number, to: number): Promise<void> {
  for (let i = from; i <= to; i++) assert.equal((await api(d, 'PUT', `/v1/namespaces/n${i}.internal`, { type: 'HTTP' })).status, 201);
}

async function namespaceCount(d: Daemon): Promise<number> {
  return (await api(d, 'GET', '/v1/namespaces')).body.namespaces.length;
}

function levelFile(dir: string, re: RegExp): string {
  const name = readdirSync(dir).find((n) => re.test(n));
  assert.ok(name, `a file matching ${re} in ${dir}: ${readdirSync(dir).join(' ')}`);
  return join(dir, name);
}

/** restartRecovered restarts a stopped daemon and checks that it logged the damage and its repair, and that its store is ok. */
async function restartRecovered(d: Daemon, how: RegExp): Promise<Daemon> {
  const d2 = await d.restart();
  const lines = logLines(d2);
  const damaged = lines.find((l) => l.msg === 'the store is damaged');
  assert.ok(damaged, `the daemon says the store is damaged:\n${d2.output().slice(-3000)}`);
  assert.equal(damaged.dataDir, d.dataDir);
  assert.ok(lines.some((l) => how.test(l.msg)), `the daemon says what it did (${how}):\n${d2.output().slice(-3000)}`);
  const status = await api(d2, 'GET', '/v1/status');
  assert.deepEqual(status.body.store, { state: 'ok' });
  return d2;
}

test('a truncated write-ahead log: --no-recover exits 6 naming the data dir; without it the daemon repairs, logs the loss and keeps the seq high water', async () => {
  const d = await startDaemon({ name: 'wal1' });
  let d2: Daemon | undefined;
  try {
    await fillNamespaces(d, 1, 60);
    const seqBefore = (await api(d, 'GET', '/v1/status')).body.seq as number;
    assert.equal(await d.stop(), 0);
    const wal = levelFile(d.dataDir, /^\d+\.log$/);
    truncateSync(wal, Math.floor(statSync(wal).size / 2));

    await assert.rejects(d.restart({ extraArgs: ['--no-recover'] }), (e: Error & { exitCode?: number; output?: string }) => {
      assert.equal(e.exitCode, 6);
      assert.match(e.output ?? '', /damaged/);
      assert.ok((e.output ?? '').includes(d.dataDir), 'the message names the data dir');
      return true;
    });

    d2 = await restartRecovered(d, /^store repaired: \d+ of \d+ group commits lost/);
    const repaired = logLines(d2).find((l) => l.msg.startsWith('store repaired'))!;
    assert.ok((repaired.lostCommits as number) > 0, 'the loss is counted');
    assert.ok(((repaired.highWater as { seq: number }).seq) >= seqBefore, 'the seq high water survives the torn log');
    assert.ok((await namespaceCount(d2)) < 60, 'the truncation did lose records (so the test tests something)');
  } finally {
    await d2?.stop();
    d2?.cleanup();
    d.cleanup();
  }
});

test('a garbled table file is detected and repaired instead of crashing the daemon', async () => {
  const d = await startDaemon({ name: 'tbl1' });
  let d2: Daemon | undefined;
  let d3: Daemon | undefined;
  try {
    await fillNamespaces(d, 1, 300);
    assert.equal(await d.stop(), 0);
    d2 = await d.restart(); // opening moves the log into a table file
    assert.equal(await d2.stop(), 0);
    const table = levelFile(d.dataDir, /^\d+\.ldb$/);
    const fd = openSync(table, 'r+');
    writeSync(fd, Buffer.alloc(64, 0x5a), 0, 64, Math.floor(statSync(table).size / 3));
    closeSync(fd);
    d3 = await restartRecovered(d, /^store repaired|moved aside/);
    const damaged = logLines(d3).find((l) => l.msg === 'the store is damaged')!;
    assert.match(String(damaged.problem), /Corruption|decode|malformed/);
  } finally {
    await d3?.stop();
    d3?.cleanup();
    d.cleanup();
  }
});

for (const [what, remove] of [
  ['CURRENT', (dir: string) => unlinkSync(join(dir, 'CURRENT'))],
  ['MANIFEST', (dir: string) => unlinkSync(levelFile(dir, /^MANIFEST-\d+$/))],
] as const) {
  test(`a deleted ${what} is repaired with every record, not started empty and not a crash`, async () => {
    const d = await startDaemon({ name: `del${what}` });
    let d2: Daemon | undefined;
    try {
      await fillNamespaces(d, 1, 40);
      assert.equal(await d.stop(), 0);
      remove(d.dataDir);
      d2 = await restartRecovered(d, /^store repaired: 0 of \d+ group commits lost/);
      assert.equal(await namespaceCount(d2), 40);
    } finally {
      await d2?.stop();
      d2?.cleanup();
      d.cleanup();
    }
  });
}

test('a store that repair cannot fix is moved aside to <dataDir>.corrupt-<time>, and the daemon starts empty with an error naming the path', async () => {
  const d = await startDaemon({ name: 'aside1' });
  let d2: Daemon | undefined;
  try {
    await fillNamespaces(d, 1, 10);
    assert.equal(await d.stop(), 0);
    const db = new Level<string, Uint8Array>(d.dataDir, { keyEncoding: 'utf8', valueEncoding: 'view' });
    await db.open();
    await db.put('r|n|n3.internal', new Uint8Array([0xc1, 0xc1])); // valid for LevelDB, not a record
    await db.close();
    d2 = await restartRecovered(d, /moved aside/);
    const moved = logLines(d2).find((l) => /moved aside/.test(l.msg))!;
    const movedTo = String(moved.movedTo);
    assert.ok(movedTo.startsWith(`${d.dataDir}.corrupt-`), movedTo);
    assert.ok(moved.msg.includes(movedTo), 'the error names the path');
    assert.ok(existsSync(join(movedTo, 'CURRENT')), 'the damaged files are kept');
    assert.equal(await namespaceCount(d2), 0, 'it starts empty (peers refill it)');
  } finally {
    await d2?.stop();
    d2?.cleanup();
    d.cleanup();
  }
});

test('a full disk at start-up exits 7 with the cause, and moves or repairs nothing', async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('needs root to mount a tmpfs');
    return;
  }
  const mnt = mkdtempSync(join(tmpdir(), 'gv-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'pipe' });
  } catch (e) {
    rmSync(mnt, { recursive: true, force: true });
    t.skip(`cannot mount a tmpfs: ${(e as Error).message.split('\n')[0]}`);
    return;
  }
  try {
    const dataDir = join(mnt, 'data');
    mkdirSync(dataDir);
    try {
      writeFileSync(join(mnt, 'filler'), Buffer.alloc(2 * 1024 * 1024)); // more than fits: fills the disk
    } catch {
      /* ENOSPC once full, as intended */
    }
    await assert.rejects(startDaemon({ name: 'full1', dataDir }), (e: Error & { exitCode?: number; output?: string }) => {
      assert.equal(e.exitCode, 7, e.output);
      assert.match(e.output ?? '', /No space left on device/);
      return true;
    });
    assert.deepEqual(readdirSync(mnt).filter((n) => n.includes('corrupt')), [], 'nothing was moved aside');
  } finally {
    execFileSync('umount', [mnt], { stdio: 'pipe' });
    rmSync(mnt, { recursive: true, force: true });
  }
});

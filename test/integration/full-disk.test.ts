import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, startDaemon, stopAll, waitFor, type Daemon } from './helpers/daemon.js';

const NS = '/v1/namespaces/disk.internal';
const WEB = `${NS}/services/web`;
const inst = (id: string) => ({ attributes: { ipv4: '10.0.0.1', port: '80', id } });
const ids = async (d: Daemon): Promise<string[]> => ((await api(d, 'GET', '/v1/discover/disk.internal/web?health=ALL')).body.instances ?? []).map((i: { id: string }) => i.id).sort();

/** fill writes filler files until the filesystem refuses more (ENOSPC), bounded by the mount size. */
function fill(dir: string): void {
  let i = 0;
  for (const size of [64 * 1024, 4096, 512]) {
    const chunk = Buffer.alloc(size, 1);
    for (; i < 5000; i++) {
      try {
        writeFileSync(join(dir, `filler-${i}`), chunk);
      } catch {
        break;
      }
    }
  }
}

test('a daemon whose data dir fills up refuses writes with 503 StorageUnavailable, shows and replicates nothing it refused, serves reads, and recovers once space is freed', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to mount a size-limited tmpfs');
  const mnt = mkdtempSync(join(tmpdir(), 'gv-fulldisk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt], { stdio: 'pipe' });
  } catch (e) {
    rmSync(mnt, { recursive: true, force: true });
    return t.skip(`cannot mount a tmpfs: ${(e as Error).message.split('\n')[0]}`);
  }
  let a: Daemon | undefined;
  let b: Daemon | undefined;
  const filler = join(mnt, 'filler');
  try {
    mkdirSync(filler);
    a = await startDaemon({ name: 'disk-a', dataDir: join(mnt, 'data') });
    b = await startDaemon({ name: 'disk-b', join: [a.gossipAddr] });
    assert.equal((await api(a, 'PUT', NS, { type: 'HTTP' })).status, 201);
    assert.equal((await api(a, 'PUT', WEB, {})).status, 201);
    assert.equal((await api(a, 'PUT', `${WEB}/instances/kept`, inst('kept'))).status, 201);
    await waitFor(async () => (await ids(b!)).includes('kept'), 'kept on b');
    const seqBefore = (await api(a, 'GET', '/v1/status')).body.seq as number;

    fill(filler);
    // The log's last page may still take a few small writes; those are acknowledged and must survive. Write until refused.
    const acked: string[] = [];
    let refusedId = '';
    let refused = { status: 0, body: {} as any };
    for (let i = 0; i < 500; i++) {
      refused = await api(a, 'PUT', `${WEB}/instances/w-${i}`, inst(`w-${i}`));
      if (refused.status !== 201) {
        refusedId = `w-${i}`;
        break;
      }
      acked.push(`w-${i}`);
    }
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'StorageUnavailable');
    assert.match(refused.body.error.message, /store|space|ENOSPC|persist/i);
    const del = await api(a, 'DELETE', `${WEB}/instances/kept`);
    assert.equal(del.status, 503);
    const status = await api(a, 'GET', '/v1/status');
    assert.equal(status.body.store.state, 'failed');
    // Reads go on from memory; nothing refused is visible here or on the peer.
    const before = ['kept', ...acked].sort();
    assert.ok(refusedId && !acked.includes(refusedId));
    assert.deepEqual(await ids(a), before);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.deepEqual(await ids(b), before, 'the refused write and delete did not spread');

    rmSync(filler, { recursive: true, force: true });
    await waitFor(async () => (await api(a!, 'PUT', `${WEB}/instances/back`, inst('back'))).status === 201, 'writes acknowledged again', 20_000, 500);
    for (let i = 0; i < 10; i++) assert.equal((await api(a, 'PUT', `${WEB}/instances/after-${i}`, inst(`after-${i}`))).status, 201);
    assert.equal((await api(a, 'GET', '/v1/status')).body.store.state, 'ok');
    const want = [...before, 'back', ...Array.from({ length: 10 }, (_, i) => `after-${i}`)].sort();
    await waitFor(async () => JSON.stringify(await ids(b!)) === JSON.stringify(want), 'the acknowledged writes on b');

    // A clean restart keeps every acknowledged write and never rolls the sequence back.
    assert.equal(await a.stop(), 0);
    a = await a.restart();
    assert.deepEqual(await ids(a), want);
    assert.ok(((await api(a, 'GET', '/v1/status')).body.seq as number) > seqBefore);
    await waitFor(async () => (await api(a!, 'GET', '/v1/state/digest')).body.digest === (await api(b!, 'GET', '/v1/state/digest')).body.digest, 'equal digests');
  } finally {
    await stopAll([a, b]);
    try {
      execFileSync('umount', [mnt], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', mnt], { stdio: 'pipe' });
    }
    rmSync(mnt, { recursive: true, force: true });
  }
});

/**
 * full-disk: n3's data dir is on a small tmpfs. Fill it: n3's writes answer 503 and
 * leave no trace, its status says the store failed. Free the space: n3 recovers by
 * itself within a bounded time, writes are acknowledged again, and after a restart
 * every acknowledged write is still there. The tmpfs is always unmounted.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../integration/helpers/daemon.js';
import { expect, finalCheck } from '../check.js';
import type { Scenario } from '../types.js';
import { writeKey } from '../workload.js';
import { sleep, startLoaded } from './start.js';

const MAX_FILL_WRITES = 300;
const RECOVERY_TIMEOUT_MS = 30_000;

/** fullDisk is the ENOSPC scenario. */
export const fullDisk: Scenario = {
  name: 'full-disk',
  needs: ['root', 'tmpfs'],
  quick: false,
  async run(ctx) {
    const mnt = ctx.tempDir('gv-chaos-disk-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt], { stdio: 'pipe' });
    ctx.defer(`umount ${mnt}`, () => void execFileSync('umount', [mnt], { stdio: 'pipe' }));
    const dataDir = join(mnt, 'data');
    mkdirSync(dataDir);
    const { c, ledger, load } = await startLoaded(ctx, [{ id: 'w1', node: 'n1' }, { id: 'w3', node: 'n3' }], { cluster: { perNode: { n3: { dataDir } } } });
    await sleep(2_000);
    await load.stop();

    const filler = join(mnt, 'filler');
    try {
      writeFileSync(filler, Buffer.alloc(8 * 1024 * 1024, 1));
    } catch {
      /* ENOSPC once full, as intended: the file keeps what fitted */
    }
    let acceptedWhileFull = 0;
    let firstRefusal = -1;
    for (let i = 0; i < MAX_FILL_WRITES && firstRefusal < 0; i++) {
      if ((await writeKey(c, ledger, 'n3', `full-${i}`, { present: true, value: `full-${i}` })) === 'acked') acceptedWhileFull++;
      else firstRefusal = i;
    }
    expect(firstRefusal >= 0, `n3 acknowledged ${MAX_FILL_WRITES} writes on a full disk`);
    expect((await c.storeState('n3')) === 'failed', 'n3 /v1/status does not say the store failed');
    for (let i = 0; i < 5; i++) expect((await writeKey(c, ledger, 'n3', `refused-${i}`, { present: true, value: `refused-${i}` })) === 'refused', 'n3 acknowledged a write while its store had failed');

    rmSync(filler, { force: true });
    const t0 = Date.now();
    await waitFor(async () => (await c.storeState('n3')) === 'ok', 'n3 store ok after space was freed', RECOVERY_TIMEOUT_MS, 200);
    const recoveredS = ((Date.now() - t0) / 1000).toFixed(1);
    for (let i = 0; i < 5; i++) expect((await writeKey(c, ledger, 'n3', `freed-${i}`, { present: true, value: `freed-${i}` })) === 'acked', 'a write after recovery was not acknowledged');
    expect((await c.stop('n3')) === 0, 'n3 did not stop cleanly');
    await c.restart('n3');
    await c.waitAllAlive(30_000);
    return `${acceptedWhileFull} acked before the first 503, store recovered in ${recoveredS} s; ${await finalCheck(c, ledger)}`;
  },
};

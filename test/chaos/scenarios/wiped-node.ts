/**
 * wiped-node: wipe n3's data dir, restart it, stop n2, write 5 times on n3, start n2:
 * n2 gets all 5 writes (n3's new sequence numbers are not mistaken for old ones) and
 * the digests become equal; n3 gets back its own writes from before the wipe.
 */
import { rmSync } from 'node:fs';
import { expect, finalCheck } from '../check.js';
import type { Scenario } from '../types.js';
import { writeKey } from '../workload.js';
import { sleep, startLoaded } from './start.js';

/** wipedNode is the wiped-data-dir scenario. */
export const wipedNode: Scenario = {
  name: 'wiped-node',
  needs: [],
  quick: true,
  async run(ctx) {
    const { c, ledger, load } = await startLoaded(ctx, [{ id: 'w1', node: 'n1' }, { id: 'w3', node: 'n3' }], { keysPerWriter: 10, pauseMs: 20 });
    await sleep(2_500);
    await load.stop();
    await c.converge();
    expect((await c.stop('n3')) === 0, 'n3 did not stop cleanly');
    rmSync(c.node('n3').dataDir, { recursive: true, force: true });
    await c.restart('n3');
    await c.waitAllAlive(30_000);
    expect((await c.stop('n2')) === 0, 'n2 did not stop cleanly');
    for (let i = 0; i < 5; i++) expect((await writeKey(c, ledger, 'n3', `w3-k${i}`, { present: true, value: `after-wipe-${i}` })) === 'acked', `write ${i} on the wiped n3 not acknowledged`);
    await c.restart('n2');
    await c.waitAllAlive(30_000);
    return `n3 wiped, 5 writes while n2 was down; ${await finalCheck(c, ledger)}`;
  },
};

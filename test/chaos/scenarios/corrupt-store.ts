/**
 * corrupt-store: truncate the newest write-ahead log of a stopped node. It restarts,
 * says its store was damaged and repaired, gets back from its peers what the torn log
 * lost (its own writes too), and its new writes reach the peers.
 */
import { readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { expect, finalCheck } from '../check.js';
import type { Scenario } from '../types.js';
import { writeKey } from '../workload.js';
import { sleep, startLoaded } from './start.js';

/** truncateNewestLog cuts the newest LevelDB *.log in a data dir to half its size and returns its name and sizes. */
export function truncateNewestLog(dataDir: string): string {
  const logs = readdirSync(dataDir).filter((n) => /^\d+\.log$/.test(n)).sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  const newest = logs.at(-1);
  expect(newest, `no *.log in ${dataDir}: ${readdirSync(dataDir).join(' ')}`);
  const size = statSync(join(dataDir, newest)).size;
  truncateSync(join(dataDir, newest), Math.floor(size / 2));
  return `${newest} ${size} -> ${Math.floor(size / 2)} bytes`;
}

/** corruptStore is the torn-log scenario. */
export const corruptStore: Scenario = {
  name: 'corrupt-store',
  needs: [],
  quick: true,
  async run(ctx) {
    const { c, ledger, load } = await startLoaded(ctx, [{ id: 'w1', node: 'n1' }, { id: 'w3', node: 'n3' }, { id: 'w3b', node: 'n3' }], { keysPerWriter: 20, pauseMs: 10 });
    await sleep(3_000);
    const code = await c.stop('n3');
    expect(code === 0, `n3 exited ${code} on SIGTERM`);
    const cut = truncateNewestLog(c.node('n3').dataDir);
    ctx.log(`truncated ${cut}`);
    await sleep(1_000);
    const d = await c.restart('n3');
    expect(/the store is damaged/.test(d.output()), `n3 did not report the damage:\n${d.output().slice(-1500)}`);
    expect((await c.storeState('n3')) === 'ok', 'n3 store not ok after repair');
    await c.waitAllAlive(30_000);
    await sleep(1_500);
    await load.stop();
    for (let i = 0; i < 5; i++) expect((await writeKey(c, ledger, 'n3', `after-repair-${i}`, { present: true, value: `r${i}` })) === 'acked', 'a write on the repaired n3 was not acknowledged');
    return `torn ${cut}; ${await finalCheck(c, ledger)}`;
  },
};

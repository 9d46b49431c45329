/**
 * crash-loop: kill -9 and restart nodes again and again under a write load. Every write
 * acknowledged before a crash survives it, on the crashed node and on its peers.
 */
import { ChaosCluster } from '../cluster.js';
import { finalCheck } from '../check.js';
import { Ledger } from '../ledger.js';
import type { Scenario } from '../types.js';
import { mulberry32, Workload } from '../workload.js';
import { sleep } from './freeze.js';

const CRASHES = 3;

/** crashLoop is the kill -9 and restart scenario. */
export const crashLoop: Scenario = {
  name: 'crash-loop',
  needs: [],
  quick: true,
  async run(ctx) {
    const c = await ChaosCluster.start(ctx, ['n1', 'n2', 'n3']);
    await c.setup();
    const ledger = new Ledger();
    const load = new Workload(c, ledger, ctx, 12, 10);
    load.start(['n1', 'n2', 'n3', 'n1', 'n2', 'n3'].map((node, i) => ({ id: `w${i}`, node })));
    const rand = mulberry32(ctx.seed);
    const victims: string[] = [];
    for (let i = 0; i < CRASHES; i++) {
      await sleep(800 + Math.floor(rand() * 1200));
      const victim = ['n2', 'n3', 'n1'][Math.floor(rand() * 3)]!;
      victims.push(victim);
      await c.kill9(victim);
      ctx.log(`kill -9 ${victim} (${ledger.counts.acked} acked so far)`);
      await sleep(300 + Math.floor(rand() * 700));
      await c.restart(victim);
    }
    await sleep(1_000);
    await load.stop();
    await c.waitAllAlive(30_000);
    return `${CRASHES} kill -9 (${victims.join(' ')}); ${await finalCheck(c, ledger)}`;
  },
};

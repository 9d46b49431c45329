/**
 * crash-loop: kill -9 and restart nodes again and again under a write load. Every write
 * acknowledged before a crash survives it, on the crashed node and on its peers.
 */
import { finalCheck } from '../check.js';
import type { Scenario } from '../types.js';
import { mulberry32 } from '../workload.js';
import { sleep, startLoaded } from './start.js';

const CRASHES = 3;

/** crashLoop is the kill -9 and restart scenario. */
export const crashLoop: Scenario = {
  name: 'crash-loop',
  needs: [],
  quick: true,
  async run(ctx) {
    const writers = ['n1', 'n2', 'n3', 'n1', 'n2', 'n3'].map((node, i) => ({ id: `w${i}`, node }));
    const { c, ledger, load } = await startLoaded(ctx, writers, { keysPerWriter: 12, pauseMs: 10 });
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

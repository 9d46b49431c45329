/**
 * freeze: SIGSTOP one node for several seconds while writes go on at the others, then
 * SIGCONT: it rejoins, catches up, and every acknowledged write is on every node.
 */
import { expect, finalCheck } from '../check.js';
import type { Scenario } from '../types.js';
import { sleep, startLoaded } from './start.js';

const FREEZE_MS = 7_000;

/** freeze is the SIGSTOP/SIGCONT scenario. */
export const freeze: Scenario = {
  name: 'freeze',
  needs: [],
  quick: true,
  async run(ctx) {
    const { c, ledger, load } = await startLoaded(ctx, [{ id: 'w1', node: 'n1' }, { id: 'w2', node: 'n2' }, { id: 'w3', node: 'n3' }]);
    await sleep(2_000);
    const frozen = c.node('n3');
    c.markDown('n3');
    process.kill(frozen.pid, 'SIGSTOP');
    ctx.defer('SIGCONT n3', () => {
      if (frozen.proc.exitCode === null && frozen.proc.signalCode === null) process.kill(frozen.pid, 'SIGCONT');
    });
    ctx.log(`n3 (pid ${frozen.pid}) frozen`);
    const before = ledger.counts.acked;
    await sleep(FREEZE_MS);
    const during = ledger.counts.acked - before;
    process.kill(frozen.pid, 'SIGCONT');
    c.markUp('n3');
    ctx.log(`n3 thawed; ${during} writes acknowledged meanwhile`);
    expect(during > 20, `only ${during} writes acknowledged by n1 and n2 while n3 was frozen`);
    await sleep(2_000);
    await load.stop();
    await c.waitAllAlive(30_000);
    return `n3 frozen ${FREEZE_MS / 1000} s, ${during} writes meanwhile; ${await finalCheck(c, ledger)}`;
  },
};


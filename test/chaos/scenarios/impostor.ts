/**
 * impostor: a second daemon started under a live member's name (another address) is
 * refused and exits 5; the real member stays alive at its address and keeps its
 * instances, and the cluster still converges.
 */
import { api, freePort, startDaemon, waitFor, type Daemon } from '../../integration/helpers/daemon.js';
import { NS, SVC } from '../cluster.js';
import { expect, finalCheck } from '../check.js';
import type { Scenario } from '../types.js';
import { sleep, startLoaded } from './start.js';

/** impostor is the duplicate-name scenario. */
export const impostor: Scenario = {
  name: 'impostor',
  needs: [],
  quick: false, // test/integration/identity.test.ts covers it in npm test; kept out of the quick set for time
  async run(ctx) {
    const { c, ledger, load } = await startLoaded(ctx, [{ id: 'w1', node: 'n1' }, { id: 'w2', node: 'n2' }]);
    await sleep(1_500);
    let code: number | null | undefined;
    let out = '';
    let imp: Daemon | undefined;
    ctx.defer('kill the impostor', async () => {
      await imp?.kill9();
      imp?.cleanup();
    });
    try {
      imp = await startDaemon({ name: 'n2', join: [c.node('n1').gossipAddr], ports: { gossip: await freePort() } });
      const exited = await waitFor(async () => (imp!.proc.exitCode !== null ? { code: imp!.proc.exitCode } : undefined), 'the impostor to exit', 15_000);
      code = exited!.code;
      out = imp.output();
    } catch (e) {
      const err = e as Error & { exitCode?: number | null; output?: string };
      code = err.exitCode;
      out = err.output ?? err.message;
    }
    expect(code === 5, `the impostor exited ${code}, not 5: ${out.slice(-300)}`);
    await sleep(1_500);
    await load.stop();
    const m = ((await api(c.node('n1'), 'GET', '/v1/members')).body.members as { name: string; gossipAddr: string; status: string }[]).find((x) => x.name === 'n2');
    expect(m?.status === 'alive' && m.gossipAddr === c.node('n2').gossipAddr, `n2 on n1 is ${JSON.stringify(m)}`);
    const mine = ((await api(c.node('n1'), 'GET', `/v1/namespaces/${NS}/services/${SVC}/instances`)).body.instances as { node: string; health: string }[]).filter((i) => i.node === 'n2');
    expect(mine.length > 0 && mine.every((i) => i.health === 'HEALTHY'), `n2's instances on n1: ${JSON.stringify(mine.slice(0, 3))}`);
    return `impostor exited 5, n2 kept ${mine.length} healthy instances; ${await finalCheck(c, ledger)}`;
  },
};

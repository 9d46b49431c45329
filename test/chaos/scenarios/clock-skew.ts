/**
 * clock-skew: one of three daemons runs an hour ahead (libfaketime). It joins and
 * converges; once the others outvote its clock it refuses writes with ClockSkew, and
 * none of the refused writes shows up anywhere.
 */
import { api, waitFor } from '../../integration/helpers/daemon.js';
import { expect, finalCheck } from '../check.js';
import type { Scenario } from '../types.js';
import { sleep, startLoaded } from './start.js';

/** clockSkew is the faketime +1h scenario. */
export const clockSkew: Scenario = {
  name: 'clock-skew',
  needs: ['faketime'],
  quick: true,
  async run(ctx) {
    const env = { LD_PRELOAD: ctx.faketimeLib!, FAKETIME: '+1h', FAKETIME_DONT_FAKE_MONOTONIC: '1', FAKETIME_NO_CACHE: '1' };
    const { c, ledger, load } = await startLoaded(ctx, [{ id: 'w1', node: 'n1' }, { id: 'w2', node: 'n2' }, { id: 'w3', node: 'n3' }], { cluster: { perNode: { n3: { env } } } });
    const status = await waitFor(async () => {
      const s = (await api(c.node('n3'), 'GET', '/v1/status', undefined, 3000)).body;
      return s.clock?.skewed ? s : undefined;
    }, 'n3 to see itself skewed', 15_000);
    const skewS = Math.round(status.clock.skewMs / 1000);
    expect(Math.abs(skewS - 3600) < 60, `n3 measured ${skewS} s off, not an hour`);
    await sleep(3_000);
    await load.stop();
    const refused = load.refusedByNode.get('n3') ?? 0;
    expect(refused > 0, 'n3, an hour ahead, refused no write');
    return `n3 ${skewS} s ahead, refused ${refused} writes; ${await finalCheck(c, ledger)}`;
  },
};

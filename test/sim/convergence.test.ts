import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../src/core/gossip/types.js';
import { instanceKey } from '../../src/core/keys.js';
import { SimCluster } from '../../src/sim/cluster.js';
import { PERFECT_LAN } from '../../src/sim/network.js';
import { allAlive, namespaceAndService, registration, simConfig, withSeed } from './helpers.js';

const SEEDS = process.env.SIM_SEED ? [Number(process.env.SIM_SEED)] : Array.from({ length: 12 }, (_, i) => 1000 + i);

/** chaos runs random writes, deletes, crashes, restarts and partitions on a lossy network, then heals and checks convergence. */
async function chaos(seed: number, size: number, steps: number): Promise<void> {
  const rnd = seededRandom(seed);
  const c = await SimCluster.create({ seed, size, config: simConfig() });
  assert.ok(await c.runUntil(() => allAlive(c), 10_000), 'cluster formed');
  await c.write('n0', namespaceAndService());
  c.net.faults = { drop: 0.15, duplicate: 0.05, minDelayMs: 0.2, maxDelayMs: 40 };
  const names = [...c.nodes.keys()];
  let id = 0;
  const deleted = new Set<string>();
  for (let step = 0; step < steps; step++) {
    const r = rnd.next();
    const live = c.live().map((n) => n.name);
    const pick = live[Math.floor(rnd.next() * live.length)];
    if (r < 0.5) await c.write(pick, registration(pick, `i${id++}`));
    else if (r < 0.6) {
      // Ids are never reused, and the delete is written after the registration, so it must win everywhere.
      const victim = `i${Math.floor(rnd.next() * id)}`;
      if (id > 0) {
        await c.write(pick, [{ key: instanceKey('demo', 'web', victim), value: null }]);
        deleted.add(victim);
      }
    }
    else if (r < 0.7 && live.length > 2) c.crash(pick);
    else if (r < 0.8) {
      const down = names.filter((n) => !c.get(n).up);
      if (down.length > 0) await c.restart(down[Math.floor(rnd.next() * down.length)]);
    } else if (r < 0.9) {
      const cut = 1 + Math.floor(rnd.next() * (names.length - 1));
      c.net.partition([names.slice(0, cut), names.slice(cut)]);
    } else c.net.heal();
    await c.runFor(50 + rnd.next() * 500);
  }
  for (const n of names) if (!c.get(n).up) await c.restart(n);
  c.net.heal();
  c.net.faults = PERFECT_LAN;
  const ok = await c.runUntil(() => allAlive(c) && c.converged(), 60_000, 50);
  assert.ok(ok, `no convergence: ${JSON.stringify([...c.digests()].map(([n, d]) => [n, d.slice(0, 8)]))}`);
  for (const n of c.live()) for (const v of deleted) assert.equal(n.node!.registry.instance('demo', 'web', v), undefined, `${v} came back on ${n.name}`);
}

test('after arbitrary faults and then a healed network, all live nodes reach equal digests, and no deleted instance comes back', async () => {
  for (const seed of SEEDS) await withSeed(seed, (s) => chaos(s, 6 + (s % 6), 40));
});

test('the same at 40 nodes', async () => {
  await withSeed(SEEDS[0] + 77, (s) => chaos(s, 40, 60));
});

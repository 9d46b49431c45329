import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimCluster } from '../../src/sim/cluster.js';
import { allAlive, namespaceAndService, registration, simConfig } from './helpers.js';

test('smoke: 5 nodes join, a write converges', async (t) => {
  const c = await SimCluster.create({ seed: 1, size: 5, config: simConfig() });
  assert.ok(await c.runUntil(() => allAlive(c), 5000), 'all alive');
  await c.write('n1', [...namespaceAndService(), ...registration('n1', 'i1')]);
  const t0 = c.now;
  assert.ok(await c.runUntil(() => c.converged(), 5000, 1), 'converged');
  t.diagnostic(`converged after ${c.now - t0} ms ${JSON.stringify(c.net.stats)}`);
  assert.equal(c.get('n4').node!.registry.instances('demo', 'web').length, 1);
});

test('a seed replays a run exactly: same messages, same states', async () => {
  async function run(seed: number): Promise<string> {
    const c = await SimCluster.create({ seed, size: 6, config: simConfig(), faults: { drop: 0.1, duplicate: 0.05, minDelayMs: 0.2, maxDelayMs: 20 } });
    await c.runFor(2_000);
    await c.write('n2', [...namespaceAndService(), ...registration('n2', 'x')]);
    c.crash('n4');
    await c.runFor(3_000);
    return JSON.stringify([c.net.stats, [...c.digests()], c.live().map((n) => n.engine!.members())]);
  }
  assert.equal(await run(5), await run(5));
  assert.notEqual(await run(5), await run(6));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimCluster } from '../../src/sim/cluster.js';
import { allAlive, namespaceAndService, registration, simConfig } from './helpers.js';

test('smoke: 5 nodes join, a write converges', async () => {
  const c = await SimCluster.create({ seed: 1, size: 5, config: simConfig() });
  assert.ok(await c.runUntil(() => allAlive(c), 5000), 'all alive');
  await c.write('n1', [...namespaceAndService(), ...registration('n1', 'i1')]);
  const t0 = c.now;
  assert.ok(await c.runUntil(() => c.converged(), 5000, 1), 'converged');
  console.log('converged after', c.now - t0, 'ms', c.net.stats);
  assert.equal(c.get('n4').node!.registry.instances('demo', 'web').length, 1);
});

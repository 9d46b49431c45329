import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GrapevineError } from '../../src/core/errors.js';
import { instanceKey } from '../../src/core/keys.js';
import { stateDigest } from '../../src/core/state-digest.js';
import { STORE_RETRY_MS } from '../../src/runtime/node.js';
import { SimCluster } from '../../src/sim/cluster.js';
import { allAlive, namespaceAndService, registration, simConfig, withSeed } from './helpers.js';

// These runs go through the daemon's own GossipDriver and GrapevineNode, with a MemoryStore that fails like a full disk.

const SEEDS = process.env.SIM_SEED ? [Number(process.env.SIM_SEED)] : [31, 32, 33];

async function formed(seed: number, over: Parameters<typeof SimCluster.create>[0] extends infer O ? Partial<O> : never = {}): Promise<SimCluster> {
  const c = await SimCluster.create({ seed, size: 3, config: simConfig(), ...over });
  assert.ok(await c.runUntil(() => allAlive(c), 10_000), 'cluster formed');
  await c.write('n0', namespaceAndService());
  assert.ok(await c.runUntil(() => c.converged(), 5_000), 'converged on the namespace');
  return c;
}

test('a write whose store fails is refused (StorageUnavailable), leaves no trace anywhere, and the node takes writes again once the store is back', async () => {
  for (const seed of SEEDS) {
    await withSeed(seed, async () => {
      const c = await formed(seed);
      const n1 = c.get('n1');
      const key = instanceKey('demo', 'web', 'lost');
      n1.store.failWrites(true);
      await assert.rejects(c.write('n1', registration('n1', 'lost')), (e: unknown) => e instanceof GrapevineError && e.code === 'StorageUnavailable');
      assert.equal(n1.node!.registry.get(key), undefined, 'not visible on the writer');
      assert.equal(n1.node!.storeStatus.ok, false);
      await assert.rejects(c.write('n1', registration('n1', 'refused')), /StorageUnavailable|store failed/, 'later writes are refused at once');
      await c.runFor(3_000);
      for (const sn of c.live()) assert.equal(sn.node!.registry.get(key), undefined, `${sn.name} never saw the failed write`);
      // Space is back: within a retry or two the store is reopened and written back, and writes are acknowledged again.
      n1.store.failWrites(false);
      assert.ok(await c.runUntil(() => n1.node!.storeStatus.ok, 3 * STORE_RETRY_MS), 'the node recovered its store');
      await c.write('n1', registration('n1', 'after'));
      assert.ok(await c.runUntil(() => c.converged() && c.live().every((sn) => sn.node!.registry.get(instanceKey('demo', 'web', 'after'))), 5_000));
      assert.equal(n1.store.records.get(key), undefined, 'the failed write is not in the store either');
    });
  }
});

test('a peer whose store fails does not count records it could not persist; anti-entropy brings them once it recovers', async () => {
  for (const seed of SEEDS) {
    await withSeed(seed, async () => {
      const c = await formed(seed);
      const n2 = c.get('n2');
      // Let anti-entropy run, so n2's watermark for n0 is exact (the per-boot sequence gap bridged).
      assert.ok(await c.runUntil(() => n2.engine!.replication.wm.get('n0') === c.get('n0').node!.seq, 30_000), 'n2 covers n0 exactly');
      n2.store.failWrites(true);
      for (let i = 0; i < 5; i++) await c.write('n0', registration('n0', `w${i}`));
      await c.runFor(500);
      assert.equal(n2.node!.registry.get(instanceKey('demo', 'web', 'w0')), undefined, 'nothing unpersisted is visible on n2');
      assert.ok((n2.engine!.replication.wm.get('n0') ?? 0) < c.get('n0').node!.seq, 'n2 does not claim to hold what it could not persist');
      n2.store.failWrites(false);
      assert.ok(await c.runUntil(() => c.converged(), 60_000), 'converged after the store came back');
      for (let i = 0; i < 5; i++) assert.ok(n2.store.records.get(instanceKey('demo', 'web', `w${i}`)), `w${i} durable on n2`);
    });
  }
});

test('with a slow store (chunked transfers, backlog, ordered persists) a late joiner catches up on thousands of records and a restart loses nothing', async () => {
  for (const seed of SEEDS.slice(0, 1)) {
    await withSeed(seed, async () => {
      const c = await formed(seed, { storeDelayMs: 3 });
      for (let b = 0; b < 5; b++) await c.write('n0', Array.from({ length: 600 }, (_, j) => registration('n0', `bulk-${b}-${j}`)[0]));
      c.crash('n2');
      c.get('n2').store.records.clear();
      c.get('n2').store.meta.clear();
      await c.restart('n2');
      assert.ok(await c.runUntil(() => c.converged(), 120_000), 'the wiped node caught up');
      assert.equal(c.get('n2').store.records.size, c.get('n0').node!.registry.records.size, 'everything it holds is durable');
      c.crash('n2');
      await c.restart('n2');
      assert.equal(stateDigest(c.get('n2').node!.registry), stateDigest(c.get('n0').node!.registry), 'a restart loses nothing');
    });
  }
});

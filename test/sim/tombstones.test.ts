import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instanceKey } from '../../src/core/keys.js';
import { SimCluster } from '../../src/sim/cluster.js';
import { allAlive, namespaceAndService, registration, simConfig, withSeed } from './helpers.js';

const SEEDS = process.env.SIM_SEED ? [Number(process.env.SIM_SEED)] : [41, 42, 43, 44, 45];

/** Short horizons: tombstones may be collected after 2 s, dead members are forgotten after 3 s; instances are never hidden. */
const SHORT = { tombstoneTtlMs: 2_000, deadMemberReapMs: 3_000, reapAfterMs: 600_000 };

const key = (id: string): string => instanceKey('demo', 'web', id);

function isLive(c: SimCluster, node: string, id: string): boolean {
  const r = c.get(node).node!.registry.get(key(id));
  return r !== undefined && r.value !== null;
}

function watermarksCoverAll(c: SimCluster): boolean {
  return c.live().every((sn) => [...sn.node!.registry.records.values()].every((r) => sn.engine!.replication.wm.get(r.node) >= r.seq));
}

test('a partition longer than the tombstone TTL and the member reap time undoes no delete, on either side, and keeps every write', async () => {
  for (const seed of SEEDS) {
    await withSeed(seed, async () => {
      const c = await SimCluster.create({ seed, size: 4, config: simConfig(SHORT) });
      assert.ok(await c.runUntil(() => allAlive(c), 10_000), 'cluster formed');
      await c.write('n0', namespaceAndService());
      for (const id of ['a-del', 'a-keep']) await c.write('n0', registration('n0', id));
      for (const id of ['b-del', 'b-keep']) await c.write('n2', registration('n2', id));
      assert.ok(await c.runUntil(() => c.converged(), 5_000), 'converged before the partition');
      // The horizon rule needs watermarks that cover what a node holds. A record known only
      // from a push, in the gap a writer's per-boot epoch opens, is covered once one
      // anti-entropy exchange bridged that gap (within about antiEntropyIntervalMs).
      assert.ok(await c.runUntil(() => watermarksCoverAll(c), 10_000), 'watermarks cover every record before the partition');

      const west = ['n0', 'n1'];
      const east = ['n2', 'n3'];
      c.net.partition([west, east]);
      // West deletes an instance of each side; east deletes one of its own; both sides keep writing.
      await c.write('n1', [{ key: key('a-del'), value: null }]);
      await c.write('n1', [{ key: key('b-del'), value: null }]);
      await c.write('n3', [{ key: key('b-keep'), value: null }]);
      await c.write('n0', registration('n0', 'west-new'));
      await c.write('n3', registration('n3', 'east-new'));
      await c.write('n2', registration('n2', 'a-keep')); // an update, on the east side, of a record from before
      // Longer than detection + deadMemberReapMs + tombstoneTtlMs + two collection rounds.
      await c.runFor(15_000);
      for (const n of west) for (const m of east) assert.equal(c.statusAt(n, m), undefined, `${n} forgot ${m}`);
      for (const n of west) assert.equal(c.get(n).node!.registry.get(key('a-del')), undefined, `${n} collected the tombstone`);
      for (const n of east) assert.equal(c.get(n).node!.registry.get(key('b-keep')), undefined, `${n} collected the tombstone`);

      // Heal; the sides forgot each other, so an operator joins them again.
      c.net.heal();
      c.get('n2').driver!.join(['sim://n0']);
      const ok = await c.runUntil(() => allAlive(c) && c.converged(), 30_000);
      if (!ok && process.env.DEBUG_SIM) for (const sn of c.live()) process.stderr.write(`${sn.name} ${JSON.stringify([...sn.node!.registry.records.values()].map((r) => [r.key.slice(-8), r.node, r.seq % 100000, r.value === null ? 'T' : 'L']))} wm=${JSON.stringify(sn.engine!.replication.wm.toObject())} fl=${JSON.stringify(Object.fromEntries(sn.engine!.replication.floors))} ${JSON.stringify(sn.engine!.stats())}\n`);
      assert.ok(ok, 'converged after heal');
      await c.runFor(5_000);
      assert.ok(c.converged(), 'still converged');
      for (const sn of c.live()) {
        for (const id of ['a-del', 'b-del', 'b-keep']) assert.ok(!isLive(c, sn.name, id), `${sn.name} brought ${id} back`);
        for (const id of ['west-new', 'east-new', 'a-keep']) assert.ok(isLive(c, sn.name, id), `${sn.name} lost ${id}`);
      }
      assert.equal(new Set(c.digests().values()).size, 1);
    });
  }
});

test('a member that is away (dead but not yet reaped) blocks tombstone collection, and gets the delete when it returns', async () => {
  await withSeed(51, async (seed) => {
    const c = await SimCluster.create({ seed, size: 4, config: simConfig({ tombstoneTtlMs: 2_000, deadMemberReapMs: 600_000, reapAfterMs: 600_000 }) });
    assert.ok(await c.runUntil(() => allAlive(c), 10_000), 'cluster formed');
    await c.write('n0', namespaceAndService());
    await c.write('n0', registration('n0', 'doomed'));
    assert.ok(await c.runUntil(() => c.converged(), 5_000));
    c.net.partition([['n3'], ['n0', 'n1', 'n2']]);
    await c.write('n1', [{ key: key('doomed'), value: null }]);
    await c.runFor(10_000);
    for (const n of ['n0', 'n1', 'n2']) {
      assert.equal(c.statusAt(n, 'n3'), 'dead');
      assert.equal(c.get(n).node!.registry.get(key('doomed'))?.value, null, `${n} keeps the tombstone while n3 has not seen it`);
    }
    c.net.heal();
    assert.ok(await c.runUntil(() => allAlive(c) && c.converged(), 30_000), 'converged after heal');
    for (const sn of c.live()) assert.ok(!isLive(c, sn.name, 'doomed'), `${sn.name} brought it back`);
    // Now that every member holds it, it is collected everywhere.
    assert.ok(await c.runUntil(() => c.live().every((sn) => sn.node!.registry.get(key('doomed')) === undefined), 20_000), 'collected once all hold it');
  });
});

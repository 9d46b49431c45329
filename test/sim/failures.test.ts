import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GOSSIP_PRESETS } from '../../src/config/gossip.js';
import { instanceKey } from '../../src/core/keys.js';
import { SimCluster } from '../../src/sim/cluster.js';
import { allAlive, namespaceAndService, registration, simConfig, withSeed } from './helpers.js';

const SEEDS = process.env.SIM_SEED ? [Number(process.env.SIM_SEED)] : [11, 12, 13, 14, 15, 16];

async function formed(seed: number, size: number, over = {}): Promise<SimCluster> {
  const c = await SimCluster.create({ seed, size, config: simConfig(over) });
  assert.ok(await c.runUntil(() => allAlive(c), 10_000), 'cluster formed');
  await c.write('n0', namespaceAndService());
  return c;
}

test('a record acknowledged before a crash is never lost', async () => {
  for (const seed of SEEDS) {
    await withSeed(seed, async () => {
      const c = await formed(seed, 7);
      const names = [...c.nodes.keys()];
      // Cut n3 off, so nothing it writes can leave before it dies.
      c.net.partition([['n3'], names.filter((n) => n !== 'n3')]);
      await c.write('n3', registration('n3', 'acked'));
      c.crash('n3');
      await c.runFor(3000);
      c.net.heal();
      await c.restart('n3');
      const ok = await c.runUntil(() => c.live().every((n) => n.node!.registry.get(instanceKey('demo', 'web', 'acked')) !== undefined), 20_000);
      assert.ok(ok, 'acknowledged record reached every node');
      assert.ok(await c.runUntil(() => c.converged(), 20_000), 'digests equal');
    });
  }
});

test('a dead node is declared dead by all others, and its instances turn UNHEALTHY NODE_FAILED', async () => {
  for (const seed of SEEDS) {
    await withSeed(seed, async () => {
      const c = await formed(seed, 8);
      await c.write('n5', registration('n5', 'on-n5'));
      await c.runFor(500);
      const t0 = c.now;
      c.crash('n5');
      const others = c.live();
      const ok = await c.runUntil(() => others.every((n) => c.statusAt(n.name, 'n5') === 'dead'), 15_000);
      assert.ok(ok, `not everyone declared n5 dead: ${others.map((n) => c.statusAt(n.name, 'n5'))}`);
      assert.ok(c.now - t0 < 5_000, `detection took ${c.now - t0} ms`);
      for (const n of others) {
        const v = n.node!.registry.instance('demo', 'web', 'on-n5');
        assert.equal(v?.health, 'UNHEALTHY');
        assert.equal(v?.reason, 'NODE_FAILED');
      }
    });
  }
});

test('no live node is declared dead while its messages flow, even with 5% loss and jitter', async () => {
  for (const seed of SEEDS.slice(0, 3)) {
    await withSeed(seed, async () => {
      const c = await formed(seed, 10);
      c.net.faults = { drop: 0.05, duplicate: 0.01, minDelayMs: 0.2, maxDelayMs: 8 };
      await c.runFor(60_000);
      for (const n of c.live()) {
        assert.equal(n.engine!.stats().declaredDead, 0, `${n.name} declared someone dead`);
        for (const m of c.live()) if (m !== n) assert.equal(c.statusAt(n.name, m.name), 'alive');
      }
    });
  }
});

test('a node that restarts after being declared dead comes back alive everywhere with its instances', async () => {
  await withSeed(21, async (seed) => {
    const c = await formed(seed, 6, { reapAfterMs: 2_000 });
    await c.write('n2', registration('n2', 'back'));
    await c.runFor(300);
    c.crash('n2');
    assert.ok(await c.runUntil(() => c.live().every((n) => c.statusAt(n.name, 'n2') === 'dead'), 15_000));
    // After reapAfterMs the instances are hidden (reaped), but the records stay.
    await c.runFor(3_000);
    for (const n of c.live()) assert.equal(n.node!.registry.instance('demo', 'web', 'back'), undefined);
    await c.restart('n2');
    assert.ok(await c.runUntil(() => allAlive(c), 15_000), 'n2 alive again everywhere');
    for (const n of c.live()) assert.equal(n.node!.registry.instance('demo', 'web', 'back')?.health, 'HEALTHY');
  });
});

test('a graceful leave shows as left, with instances UNHEALTHY NODE_LEFT', async () => {
  await withSeed(22, async (seed) => {
    const c = await formed(seed, 6);
    await c.write('n4', registration('n4', 'leaving'));
    await c.runFor(300);
    await c.leave('n4');
    assert.ok(await c.runUntil(() => c.live().every((n) => c.statusAt(n.name, 'n4') === 'left'), 5_000));
    for (const n of c.live()) assert.equal(n.node!.registry.instance('demo', 'web', 'leaving')?.reason, 'NODE_LEFT');
  });
});

test('a deleted instance does not come back, even from a node away past the tombstone TTL', async () => {
  for (const seed of SEEDS.slice(0, 4)) {
    await withSeed(seed, async () => {
      const c = await formed(seed, 6, { tombstoneTtlMs: 2_000, deadMemberReapMs: 3_000, reapAfterMs: 600_000 });
      await c.write('n1', registration('n1', 'doomed'));
      await c.write('n1', registration('n1', 'keeper'));
      assert.ok(await c.runUntil(() => c.converged(), 5_000));
      // n4 goes away holding the live record; the instance is deleted, and once n4 is reaped (forgotten) the tombstone is collected.
      c.crash('n4');
      await c.write('n2', [{ key: instanceKey('demo', 'web', 'doomed'), value: null }]);
      await c.runFor(12_000);
      for (const n of c.live()) assert.equal(n.node!.registry.get(instanceKey('demo', 'web', 'doomed')), undefined, 'tombstone collected');
      await c.restart('n4');
      assert.ok(await c.runUntil(() => allAlive(c) && c.converged(), 20_000), 'converged after return');
      await c.runFor(3_000);
      const full = c.live().reduce((s, n) => s + n.engine!.stats().fullTransfersSent, 0);
      assert.ok(full > 0, 'the returning node was brought back by a full state transfer');
      for (const n of c.live()) {
        assert.equal(n.node!.registry.instance('demo', 'web', 'doomed'), undefined, `${n.name} resurrected the instance`);
        assert.ok(n.node!.registry.instance('demo', 'web', 'keeper'), `${n.name} lost a live instance`);
      }
    });
  }
});

test('two halves of a partition keep serving, declare each other dead, and merge when the network heals', async () => {
  for (const seed of SEEDS.slice(0, 3)) {
    await withSeed(seed, async () => {
      const c = await formed(seed, 8);
      const names = [...c.nodes.keys()];
      const [left, right] = [names.slice(0, 4), names.slice(4)];
      c.net.partition([left, right]);
      await c.write('n1', registration('n1', 'west'));
      await c.write('n6', registration('n6', 'east'));
      assert.ok(await c.runUntil(() => left.every((a) => right.every((b) => c.statusAt(a, b) === 'dead')), 20_000), 'sides declared each other dead');
      // Each side serves its own writes meanwhile (pushes into the cut are lost; anti-entropy within the side repairs).
      assert.ok(await c.runUntil(() => left.every((n) => c.get(n).node!.registry.instance('demo', 'web', 'west')), 10_000), 'west side has its write');
      assert.ok(await c.runUntil(() => right.every((n) => c.get(n).node!.registry.instance('demo', 'web', 'east')), 10_000), 'east side has its write');
      c.net.heal();
      assert.ok(await c.runUntil(() => allAlive(c) && c.converged(), 30_000), 'merged after heal');
      for (const n of c.live()) assert.equal(n.node!.registry.instances('demo', 'web').length, 2);
    });
  }
});

test('a restarted node rejoins through its persisted peers when its join address is down', async () => {
  await withSeed(31, async (seed) => {
    const c = await formed(seed, 6);
    await c.write('n3', registration('n3', 'mine'));
    await c.runFor(1_000);
    c.crash('n3');
    c.crash('n0'); // n3's only join address
    await c.runFor(500);
    await c.restart('n3');
    const others = c.live().filter((n) => n.name !== 'n3');
    // Within 100 ms: that is its own join to persisted peers, not their periodic reconnect attempts.
    assert.ok(await c.runUntil(() => others.some((n) => c.statusAt('n3', n.name) === 'alive'), 100, 1), 'n3 joined a persisted peer');
    assert.ok(await c.runUntil(() => others.every((n) => c.statusAt(n.name, 'n3') === 'alive' && c.statusAt('n3', n.name) === 'alive'), 10_000), 'rejoined');
    assert.ok(c.get('n3').engine!.membership.inc > 0, 'restarted above its old incarnation');
    assert.ok(await c.runUntil(() => c.converged(), 10_000));
  });
});

test('Lifeguard (lan timings): a node whose event loop lags 250 ms gets no one declared dead, itself included', async () => {
  for (const seed of SEEDS.slice(0, 3)) {
    await withSeed(seed, async () => {
      const c = await formed(seed, 8, { ...GOSSIP_PRESETS.lan });
      // n2 handles everything it receives 250 ms late: its probes' acks come after the whole probe window.
      c.net.lagMs.set('n2', 250);
      let maxHealth = 0;
      for (let t = 0; t < 30_000; t += 100) {
        await c.runFor(100);
        maxHealth = Math.max(maxHealth, c.get('n2').engine!.stats().awareness);
      }
      // n2 itself may be caught mid-suspicion (it is slow, after all); everyone else must look healthy to everyone.
      const bad = c.live().flatMap((n) => c.live().filter((m) => m !== n && m.name !== 'n2' && c.statusAt(n.name, m.name) !== 'alive').map((m) => `${n.name}->${m.name}`));
      assert.deepEqual(bad, []);
      for (const n of c.live()) assert.equal(n.engine!.stats().declaredDead, 0, `${n.name} declared someone dead`);
      assert.ok(maxHealth > 0, 'the lagging node noticed it is the slow one and stretched its timeouts');
    });
  }
});

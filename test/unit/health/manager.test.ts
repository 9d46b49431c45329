import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { putInstance, putNamespace, putService } from '../../../src/core/commands.js';
import { seededRandom } from '../../../src/core/gossip/types.js';
import { hlcFromWallMs } from '../../../src/core/hlc.js';
import { healthKey } from '../../../src/core/keys.js';
import type { CheckResult } from '../../../src/core/health/state.js';
import client from 'prom-client';
import { HealthManager, healthMetrics } from '../../../src/health/index.js';
import { GrapevineNode } from '../../../src/runtime/node.js';
import { MemoryStore } from '../../../src/storage/memory-store.js';
import { FakeClock, flush } from './fake-clock.js';

const NS = 'prod.internal';
const SVC = 'web';

interface Rig {
  clock: FakeClock;
  store: MemoryStore;
  node: GrapevineNode;
  mgr: HealthManager;
  results: boolean[];
  calls: number;
  healthWrites(): number;
  /** checkedInstances reads the grapevine_health_checked_instances gauge of this rig's manager. */
  checkedInstances(): Promise<number>;
}

async function rig(name = 'a', opts: { store?: MemoryStore; clock?: FakeClock; maxConcurrentChecks?: number } = {}): Promise<Rig> {
  const clock = opts.clock ?? new FakeClock();
  const store = opts.store ?? new MemoryStore();
  const node = new GrapevineNode(name, store, clock);
  await node.start();
  const r: Rig = {
    clock,
    store,
    node,
    results: [],
    calls: 0,
    mgr: undefined as never,
    healthWrites: () => 0,
    checkedInstances: async () => 0,
  };
  const metricsRegistry = new client.Registry();
  r.checkedInstances = async () => (await metricsRegistry.getSingleMetric('grapevine_health_checked_instances')!.get()).values[0]?.value ?? 0;
  let hw = 0;
  node.on('local', (recs) => (hw += recs.filter((x) => x.key.startsWith('h|') && x.value !== null).length));
  r.healthWrites = () => hw;
  // The fake target answers from a script: the last scripted answer repeats.
  const runner = async (): Promise<CheckResult> => {
    r.calls++;
    const ok = r.results.length > 1 ? r.results.shift()! : (r.results[0] ?? true);
    return { ok, output: ok ? '200 OK' : 'ECONNREFUSED' };
  };
  r.mgr = new HealthManager(node, { runner, random: seededRandom(7), maxConcurrentChecks: opts.maxConcurrentChecks, metrics: healthMetrics(metricsRegistry) });
  r.mgr.start();
  return r;
}

async function setup(r: Rig, service: object, attrs: Record<string, string> = { ipv4: '127.0.0.1', port: '8080' }, id = 'i1'): Promise<void> {
  const ctx = { node: r.node.name, nowMs: r.clock.nowMs() };
  if (!r.node.registry.namespace(NS)) await r.node.write(putNamespace(r.node.registry, NS, { type: 'HTTP' }, ctx).writes);
  if (!r.node.registry.service(NS, SVC)) await r.node.write(putService(r.node.registry, NS, SVC, service, ctx).writes);
  await r.node.write(putInstance(r.node.registry, NS, SVC, id, { attributes: attrs }, ctx).writes);
  // A check due "now" runs on the next timer turn: one 10 ms step of the fake clock.
  await r.clock.advance(10);
}

const health = (r: Rig, id = 'i1') => r.node.registry.instance(NS, SVC, id);

describe('HealthManager with active checks', () => {
  it('checks at once on registration, applies thresholds, and writes only status changes', async () => {
    const r = await rig();
    r.results = [true];
    await setup(r, { healthCheck: { type: 'HTTP', path: '/h', intervalMs: 1000, timeoutMs: 500, failureThreshold: 3 } });
    assert.equal(r.calls, 1, 'first check runs as soon as the instance is registered');
    assert.equal(health(r)?.health, 'HEALTHY');
    await r.clock.advance(10_000);
    assert.ok(r.calls >= 10 && r.calls <= 12, `about one check per second, got ${r.calls}`);
    assert.equal(r.healthWrites(), 1, 'ten passing checks replicate nothing new');
    r.results = [false];
    await r.clock.advance(2000);
    assert.equal(health(r)?.health, 'HEALTHY', 'two failures are below the threshold');
    await r.clock.advance(1000);
    assert.equal(health(r)?.health, 'UNHEALTHY');
    assert.equal(health(r)?.reason, 'CHECK_FAILING');
    assert.equal(r.node.registry.health(NS, SVC, 'i1')?.output, 'ECONNREFUSED');
    assert.equal(r.healthWrites(), 2);
    r.results = [true];
    await r.clock.advance(1000);
    assert.equal(health(r)?.health, 'HEALTHY');
    assert.equal(r.healthWrites(), 3);
    r.mgr.stop();
  });

  it('stays PENDING (UNHEALTHY) until the first pass, and records the decided failure once', async () => {
    const r = await rig();
    r.results = [false];
    await setup(r, { healthCheck: { type: 'TCP', intervalMs: 1000, timeoutMs: 500, failureThreshold: 2 } });
    assert.equal(health(r)?.health, 'UNHEALTHY');
    assert.equal(health(r)?.reason, 'PENDING');
    await r.clock.advance(5000);
    assert.equal(health(r)?.reason, 'CHECK_FAILING');
    assert.equal(r.healthWrites(), 1);
    r.mgr.stop();
  });

  it('stops checking a deregistered instance and instances it does not own', async () => {
    const r = await rig();
    await setup(r, { healthCheck: { type: 'HTTP', intervalMs: 1000, timeoutMs: 500 } });
    assert.equal(await r.checkedInstances(), 1);
    await r.node.write([{ key: 'i|prod.internal|web|i1', value: null }]);
    const calls = r.calls;
    await r.clock.advance(5000);
    assert.equal(r.calls, calls);
    assert.equal(await r.checkedInstances(), 0, 'the manager no longer tracks it');
    // A replicated instance owned by another node is not ours to check.
    const ctx = { node: 'other', nowMs: r.clock.nowMs() };
    await r.node.applyRemote([{ ...(await r.node.write(putInstance(r.node.registry, NS, SVC, 'i2', { attributes: { ipv4: '127.0.0.1', port: '1' } }, ctx).writes))[0], node: 'other', hlc: r.node.hlc.current() + 10 }]);
    await r.clock.advance(3000);
    assert.equal(r.calls, calls);
    r.mgr.stop();
  });

  it('spreads first checks over one interval after a restart and keeps the replicated status', async () => {
    const r = await rig();
    r.results = [true];
    await setup(r, { healthCheck: { type: 'HTTP', intervalMs: 10_000, timeoutMs: 500 } });
    for (let i = 2; i <= 50; i++) await setup(r, {}, { ipv4: '127.0.0.1', port: '80' }, `i${i}`);
    assert.equal(r.calls, 50);
    r.mgr.stop();
    const r2 = await rig('a', { store: r.store, clock: r.clock });
    r2.results = [false];
    assert.equal(health(r2)?.health, 'HEALTHY', 'a restart does not reset the status');
    await r2.clock.advance(2000);
    assert.ok(r2.calls > 0 && r2.calls < 25, `first checks after restart are spread, ${r2.calls} ran in 2 s of a 10 s interval`);
    r2.mgr.stop();
  });

  it('never exceeds the concurrent-check cap', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore();
    const node = new GrapevineNode('a', store, clock);
    await node.start();
    let running = 0;
    let peak = 0;
    let ran = 0;
    const mgr = new HealthManager(node, {
      maxConcurrentChecks: 3,
      random: seededRandom(1),
      runner: async () => {
        running++;
        peak = Math.max(peak, running);
        await flush();
        running--;
        ran++;
        return { ok: true, output: '' };
      },
    });
    mgr.start();
    const r = { node, clock } as unknown as Rig;
    await setup(r, { healthCheck: { type: 'HTTP', intervalMs: 1000, timeoutMs: 500 } }, { ipv4: '127.0.0.1', port: '80' }, 'x0');
    for (let i = 1; i < 20; i++) await setup(r, {}, { ipv4: '127.0.0.1', port: '80' }, `x${i}`);
    await clock.advance(3000);
    assert.equal(peak, 3);
    assert.ok(ran >= 40, `ran ${ran}`);
    mgr.stop();
  });
});

describe('HealthManager TTL, CUSTOM, drain and auto-deregistration', () => {
  it('a TTL instance is HEALTHY while heartbeats come and UNHEALTHY when they stop', async () => {
    const r = await rig();
    await setup(r, { healthCheck: { type: 'TTL', ttlMs: 3000, intervalMs: 1000, timeoutMs: 500 } });
    assert.equal(health(r)?.health, 'UNHEALTHY');
    await r.mgr.heartbeat(NS, SVC, 'i1', {});
    assert.equal(health(r)?.health, 'HEALTHY');
    for (let i = 0; i < 5; i++) {
      await r.clock.advance(2000);
      await r.mgr.heartbeat(NS, SVC, 'i1', { note: `beat ${i}` });
    }
    assert.equal(health(r)?.health, 'HEALTHY');
    assert.equal(r.healthWrites(), 1, 'heartbeats that change nothing are not replicated');
    await r.clock.advance(3100);
    assert.equal(health(r)?.health, 'UNHEALTHY');
    assert.equal(health(r)?.reason, 'TTL_EXPIRED');
    await r.mgr.heartbeat(NS, SVC, 'i1', { status: 'UNHEALTHY', note: 'disk full' });
    assert.equal(r.node.registry.health(NS, SVC, 'i1')?.reason, 'TTL_EXPIRED', 'same status: nothing new written');
    await r.mgr.heartbeat(NS, SVC, 'i1', { status: 'HEALTHY' });
    assert.equal(health(r)?.health, 'HEALTHY');
    await assert.rejects(r.mgr.heartbeat(NS, SVC, 'nope', {}), { code: 'InstanceNotFound' });
    await assert.rejects(r.mgr.setCustomHealth(NS, SVC, 'i1', 'HEALTHY'), { code: 'CustomHealthNotFound' });
    r.mgr.stop();
  });

  it('a heartbeat sent to another node restarts the owner TTL deadline', async () => {
    const a = await rig('a');
    const b = await rig('b', { clock: a.clock });
    a.node.on('local', (recs) => void b.node.applyRemote(recs));
    b.node.on('local', (recs) => void a.node.applyRemote(recs));
    await setup(a, { healthCheck: { type: 'TTL', ttlMs: 3000, intervalMs: 1000, timeoutMs: 500 } });
    await flush();
    assert.ok(b.node.registry.instance(NS, SVC, 'i1'));
    for (let i = 0; i < 4; i++) {
      await b.mgr.heartbeat(NS, SVC, 'i1', {});
      await a.clock.advance(2000);
    }
    assert.equal(health(a)?.health, 'HEALTHY');
    await a.clock.advance(4000);
    assert.equal(health(a)?.health, 'UNHEALTHY');
    assert.equal(health(b)?.health, 'UNHEALTHY');
    a.mgr.stop();
    b.mgr.stop();
  });

  it('a heartbeat record that arrives late cannot extend the TTL deadline', async () => {
    const r = await rig('a');
    await setup(r, { healthCheck: { type: 'TTL', ttlMs: 3000, intervalMs: 1000, timeoutMs: 500 } });
    // Written by node b 10 s ago (say, before a partition healed), HEALTHY.
    const old = hlcFromWallMs(r.clock.nowMs() - 10_000);
    const value = { status: 'HEALTHY', reason: 'HEARTBEAT', output: '', changedAtMs: r.clock.nowMs() - 10_000, consecutiveSuccesses: 1, consecutiveFailures: 0 };
    await r.node.applyRemote([{ key: healthKey(NS, SVC, 'i1'), value, hlc: old, node: 'b', seq: 1 }]);
    await r.clock.advance(50);
    assert.equal(health(r)?.health, 'UNHEALTHY');
    assert.equal(health(r)?.reason, 'TTL_EXPIRED');
    // A fresh one does count.
    await r.node.applyRemote([{ key: healthKey(NS, SVC, 'i1'), value: { ...value, changedAtMs: r.clock.nowMs() }, hlc: r.node.hlc.current() + 5, node: 'b', seq: 2 }]);
    await r.clock.advance(2000);
    assert.equal(health(r)?.health, 'HEALTHY');
    r.mgr.stop();
  });

  it('CUSTOM status applies at once, starts from initialHealth, and 404s unknown instances', async () => {
    const r = await rig();
    await setup(r, { healthCheck: { type: 'CUSTOM' } }, { ipv4: '127.0.0.1', AWS_INIT_HEALTH_STATUS: 'UNHEALTHY' });
    assert.equal(health(r)?.health, 'UNHEALTHY');
    await r.mgr.setCustomHealth(NS, SVC, 'i1', 'HEALTHY');
    assert.equal(health(r)?.health, 'HEALTHY');
    assert.equal(r.node.registry.health(NS, SVC, 'i1')?.reason, 'CUSTOM');
    await r.mgr.setCustomHealth(NS, SVC, 'i1', 'HEALTHY');
    assert.equal(r.healthWrites(), 1);
    await assert.rejects(r.mgr.setCustomHealth(NS, SVC, 'ghost', 'HEALTHY'), { code: 'InstanceNotFound' });
    await assert.rejects(r.mgr.setCustomHealth(NS, SVC, 'i1', 'MAYBE' as never), { code: 'InvalidInput' });
    await assert.rejects(r.mgr.heartbeat(NS, SVC, 'i1', {}), { code: 'InvalidInput' });
    r.mgr.stop();
  });

  it('drain hides the instance at once, deregisters it after drainMs, and survives a restart', async () => {
    const r = await rig();
    await setup(r, {});
    await setup(r, {}, { ipv4: '127.0.0.1' }, 'i2');
    assert.equal(health(r)?.health, 'HEALTHY');
    await r.mgr.drain(NS, SVC, 'i1', 5000);
    await r.mgr.drain(NS, SVC, 'i2', 5000);
    assert.equal(health(r)?.health, 'DRAINING');
    await r.clock.advance(2000);
    assert.ok(health(r));
    // Restart the daemon mid-drain: the new manager re-arms the drain from the store.
    r.mgr.stop();
    const r2 = await rig('a', { store: r.store, clock: r.clock });
    assert.equal(health(r2)?.health, 'DRAINING');
    await r2.clock.advance(2900);
    assert.ok(health(r2), 'not before drainMs');
    await r2.clock.advance(200);
    assert.equal(health(r2), undefined);
    assert.equal(health(r2, 'i2'), undefined);
    assert.equal(r2.node.registry.get(healthKey(NS, SVC, 'i1'))?.value ?? null, null);
    await assert.rejects(r2.mgr.drain(NS, SVC, 'i1', 10), { code: 'InstanceNotFound' });
    r2.mgr.stop();
  });

  it('re-registering a draining instance cancels the drain', async () => {
    const r = await rig();
    await setup(r, {});
    await r.mgr.drain(NS, SVC, 'i1', 1000);
    await setup(r, {});
    assert.equal(health(r)?.health, 'HEALTHY');
    await r.clock.advance(3000);
    assert.ok(health(r));
    r.mgr.stop();
  });

  it('deregisterAfterUnhealthyMs removes an instance that stays UNHEALTHY, not one that recovers', async () => {
    const r = await rig();
    r.results = [true];
    await setup(r, { deregisterAfterUnhealthyMs: 5000, healthCheck: { type: 'HTTP', intervalMs: 1000, timeoutMs: 500, failureThreshold: 1 } });
    await setup(r, {}, { ipv4: '127.0.0.1', port: '9' }, 'i2');
    r.results = [false, false, false, true];
    await r.clock.advance(4000);
    assert.ok(health(r), 'i1 recovered before the deadline');
    r.results = [false];
    await r.clock.advance(4000);
    assert.ok(health(r));
    await r.clock.advance(3000);
    assert.equal(health(r), undefined);
    assert.equal(health(r, 'i2'), undefined);
    r.mgr.stop();
  });
});

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { GOSSIP_PRESETS, type GossipConfig } from '../../../src/config/gossip.js';
import type { Rec } from '../../../src/core/records.js';
import { stateDigest } from '../../../src/core/state-digest.js';
import { silentLogger } from '../../../src/obs/logger.js';
import { RealClock } from '../../../src/runtime/clock.js';
import { PERSIST_META_KEY } from '../../../src/runtime/driver.js';
import { startGossip, type GossipRuntime } from '../../../src/runtime/gossip.js';
import { GrapevineNode } from '../../../src/runtime/node.js';
import { MemoryStore } from '../../../src/storage/memory-store.js';

const running: GossipRuntime[] = [];
after(async () => {
  for (const r of running) await r.stop();
});

// Timers so slow that only a push (never a tick) can carry a write within the test.
const slow: GossipConfig = { ...GOSSIP_PRESETS.test, probeIntervalMs: 60_000, probeTimeoutMs: 30_000, antiEntropyIntervalMs: 3_600_000 };

async function start(name: string, join: string[], store = new MemoryStore(), config = slow): Promise<{ node: GrapevineNode; rt: GossipRuntime; store: MemoryStore }> {
  const node = new GrapevineNode(name, store, new RealClock());
  await node.start();
  const rt = await startGossip({ node, cluster: 'c', gossipAddr: '127.0.0.1:0', join, gossip: config, encryptKeys: [], logger: silentLogger(), clock: new RealClock(), random: { next: Math.random } });
  running.push(rt);
  return { node, rt, store };
}

async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const ns = (name: string) => ({ key: `n|${name}`, value: { name, type: 'HTTP', description: '', soaTtl: 0, createdAtMs: 0 } });

test('a local write is pushed at once, without waiting for a probe or anti-entropy tick', async () => {
  const a = await start('a', []);
  const b = await start('b', [a.rt.transport.address]);
  await until(() => a.rt.membership.members().some((m) => m.name === 'b' && m.status === 'alive'), 'b to join a');
  await a.node.write([ns('pushed.test')]);
  await until(() => b.node.registry.namespace('pushed.test') !== undefined, 'the write to reach b');
  assert.equal(b.node.registry.get('n|pushed.test')?.node, 'a');
});

test('known peers are persisted, and a restarted node rejoins them with an empty join list', async () => {
  const a = await start('p', [], new MemoryStore(), GOSSIP_PRESETS.test);
  const b = await start('q', [a.rt.transport.address], new MemoryStore(), GOSSIP_PRESETS.test);
  await until(() => b.rt.membership.members().some((m) => m.name === 'p' && m.status === 'alive'), 'q to join p');
  await b.rt.stop();
  const saved = b.store.meta.get(PERSIST_META_KEY) as { peers: [string, string][] };
  assert.ok(saved.peers.some(([n, addr]) => n === 'p' && addr === a.rt.transport.address));
  await a.node.write([ns('while.away')]);
  const b2 = await start('q', [], b.store, GOSSIP_PRESETS.test);
  await until(() => b2.node.registry.namespace('while.away') !== undefined, 'the restarted node to rejoin and catch up');
});

test('a new node catches up on a large registry by anti-entropy, and the digests match', async () => {
  const a = await start('big', [], new MemoryStore(), GOSSIP_PRESETS.test);
  for (let i = 0; i < 6; i++) await a.node.write(Array.from({ length: 500 }, (_, j) => ns(`n${i}-${j}.big`)));
  const b = await start('newcomer', [a.rt.transport.address], new MemoryStore(), GOSSIP_PRESETS.test);
  await until(() => b.node.registry.records.size === 3000, 'all 3000 records on the newcomer', 20_000);
  assert.equal(stateDigest(b.node.registry), stateDigest(a.node.registry));
});

test('applyRemote persists and returns what a one-by-one merge would keep, also against a merge still in flight', async () => {
  const store = new MemoryStore();
  const node = new GrapevineNode('x', store, new RealClock());
  await node.start();
  const r = (hlc: number, node = 'y'): Rec => ({ key: 'n|a', value: { name: 'a' }, hlc, node, seq: hlc });
  await node.applyRemote([r(5)]);
  assert.deepEqual((await node.applyRemote([r(4), r(5), r(7), r(6), r(8)])).map((x) => x.hlc), [7, 8]);
  assert.equal(store.records.get('n|a')?.hlc, 8);
  // Two merges racing: the older one must not overwrite the newer one in the store.
  const newer = node.applyRemote([r(20)]);
  const older = node.applyRemote([r(15)]);
  assert.deepEqual((await older).length, 0);
  await newer;
  assert.equal(store.records.get('n|a')?.hlc, 20);
  assert.equal(node.registry.get('n|a')?.hlc, 20);
});

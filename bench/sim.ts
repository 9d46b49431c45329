/**
 * bench/sim: how one write spreads through 1,000 / 10,000 / 50,000 simulated nodes
 * (real GossipEngine + GrapevineNode per node, seeded fake LAN with 0.2-1 ms delays,
 * `lan` timings). It reports gossip rounds (the longest chain of hops that carried
 * the write to a node) and simulated time until every node holds it, plus the
 * background cost of membership in messages and bytes per node per second.
 *
 * Usage: node dist/bench/sim.js [sizes...]    (default: 1000 10000 50000)
 * Writes bench/results/sim-<date>.json. Never gates CI.
 *
 * Big clusters use random partial membership views (`viewSize` peers per node):
 * full views would need N^2 member entries in one process (10^8 at 10,000 nodes).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { GOSSIP_PRESETS } from '../src/config/gossip.js';
import { instanceKey } from '../src/core/keys.js';
import { SimCluster } from '../src/sim/cluster.js';
import { PERFECT_LAN } from '../src/sim/network.js';

interface Row {
  nodes: number;
  view: number | 'full';
  rounds: number;
  medianHops: number;
  ms50: number;
  ms99: number;
  msAll: number;
  writeMsgsPerNode: number;
  writeBytesPerNode: number;
  loss: number;
  bgMsgsPerNodePerSec: number;
  bgBytesPerNodePerSec: number;
  wallSec: number;
}

async function run(n: number, view: number | 'full', seed: number, loss = 0): Promise<Row> {
  const wall0 = performance.now();
  const key = instanceKey('bench', 'web', 'probe');
  const hop = new Map<string, number>();
  const at = new Map<string, number>();
  let c: SimCluster | undefined;
  c = await SimCluster.create({
    seed,
    size: n,
    config: GOSSIP_PRESETS.lan,
    codec: 'size',
    bootstrap: 'seed',
    viewSize: view === 'full' ? undefined : view,
    persist: false,
    faults: { ...PERFECT_LAN, drop: loss },
    onWon: (node, from, won) => {
      if (hop.has(node) || !won.some((r) => r.key === key)) return;
      hop.set(node, (hop.get(from) ?? 0) + 1);
      at.set(node, c!.now);
    },
  });
  // Background: membership alone (probes, acks, push-pull) over 2 simulated seconds.
  await c.runFor(1_000);
  const bg0 = { ...c.net.stats };
  const bgMs = 2_000;
  await c.runFor(bgMs);
  const bgMsgs = c.net.stats.sent - bg0.sent;
  const bgBytes = c.net.stats.bytes - bg0.bytes;
  // One write on n0, then run until every node holds it.
  const sent0 = c.net.stats.sent;
  const bytes0 = c.net.stats.bytes;
  const t0 = c.now;
  hop.set('n0', 0);
  at.set('n0', t0);
  await c.write('n0', [{ key, value: { namespace: 'bench', service: 'web', id: 'probe', attributes: { ip: '10.0.0.1' }, owner: 'n0', registeredAtMs: 0 } }]);
  const ok = await c.runUntil(() => hop.size >= n, 60_000, 1);
  if (!ok) console.error(`N=${n}: only ${hop.size} nodes got the write within 60 s`);
  const writeMsgs = c.net.stats.sent - sent0 - (bgMsgs / bgMs) * (c.now - t0);
  const writeBytes = c.net.stats.bytes - bytes0 - (bgBytes / bgMs) * (c.now - t0);
  const times = [...at.values()].map((t) => t - t0).sort((a, b) => a - b);
  const hops = [...hop.values()].sort((a, b) => a - b);
  const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  return {
    nodes: n,
    view,
    rounds: hops[hops.length - 1],
    medianHops: q(hops, 0.5),
    ms50: round(q(times, 0.5)),
    ms99: round(q(times, 0.99)),
    msAll: round(times[times.length - 1]),
    writeMsgsPerNode: round(writeMsgs / n),
    writeBytesPerNode: Math.round(writeBytes / n),
    loss,
    bgMsgsPerNodePerSec: round((bgMsgs / n / bgMs) * 1000),
    bgBytesPerNodePerSec: Math.round((bgBytes / n / bgMs) * 1000),
    wallSec: round((performance.now() - wall0) / 1000),
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

// 50,000 simulated nodes need more heap than Node's default: re-run this script with room.
if (!process.env.GRAPEVINE_SIM_CHILD && getHeapStatistics().heap_size_limit < 8e9) {
  const r = spawnSync(process.execPath, ['--max-old-space-size=12000', process.argv[1], ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, GRAPEVINE_SIM_CHILD: '1' },
  });
  process.exit(r.status ?? 1);
}

const sizes = process.argv.slice(2).filter((_a, i, all) => all[i - 1] !== '--seeds').map(Number).filter((x) => x > 0);
/** --full gives every size full membership views (N^2 member entries in this one process: memory bounds it). */
const allFull = process.argv.includes('--full');
/** --spread-only runs the one-write spread and skips the steady-state and detection parts. */
const spreadOnly = process.argv.includes('--spread-only');
const plan: [number, number | 'full', number][] = (sizes.length > 0 ? sizes : [1000, 10_000, 50_000]).map((n) => [n, allFull || n <= 1000 ? 'full' : n <= 10_000 ? 200 : 100, 0]);
// The same write over a lossy network: the rumour's piggyback backstop and anti-entropy close the gaps.
if (!spreadOnly) plan.splice(1, 0, [1000, 'full', 0.02]);
const rows: Row[] = [];
/** --seeds 42,43,44 runs every row once per seed (a figure is the median over them). */
const seeds = (process.argv.includes('--seeds') ? process.argv[process.argv.indexOf('--seeds') + 1]! : '42').split(',').map(Number);
for (const [n, view, loss] of plan) {
  for (const seed of seeds) {
    const row = { ...(await run(n, view, seed, loss)), seed };
    rows.push(row);
    console.error(JSON.stringify(row));
  }
}
console.log('\nOne write, lan preset, fanout 3, fake LAN 0.2-1 ms per hop');
console.log('nodes   view  loss  rounds  median-hops  t50(ms)  t99(ms)  t100(ms)  write-msgs/node  write-bytes/node  bg-msgs/node/s  bg-bytes/node/s  wall(s)');
for (const r of rows) {
  console.log(
    [r.nodes, r.view, r.loss, r.rounds, r.medianHops, r.ms50, r.ms99, r.msAll, r.writeMsgsPerNode, r.writeBytesPerNode, r.bgMsgsPerNodePerSec, r.bgBytesPerNodePerSec, r.wallSec]
      .map(String)
      .map((s, i) => s.padStart([5, 6, 5, 7, 12, 8, 8, 9, 16, 17, 15, 16, 8][i]))
      .join(' '),
  );
}
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/sim-${new Date().toISOString().replace(/[:.]/g, '-')}${allFull ? '-full' : ''}.json`;
writeFileSync(file, JSON.stringify({ preset: 'lan', network: '0.2-1 ms uniform delay; loss as in each row', seed: 42, rows }, null, 2));
console.log(`wrote ${file}`);
if (spreadOnly) process.exit(0);

/**
 * Failure detection (simulated, lan preset): from the crash of one node until every
 * other node has declared it dead, with and without the connection-closed hint
 * (kill -9 resets the node's TCP connections, and the runtime calls peerDisconnected).
 */
async function detection(n: number, hint: boolean, seed: number): Promise<number> {
  const c = await SimCluster.create({ seed, size: n, config: GOSSIP_PRESETS.lan, codec: 'none', bootstrap: 'seed', persist: false });
  await c.runFor(2_000 + (seed % 7) * 37);
  const t0 = c.now;
  const victim = `n${n - 1}`;
  if (hint) await c.kill(victim);
  else c.crash(victim);
  const ok = await c.runUntil(() => c.live().every((sn) => c.statusAt(sn.name, victim) === 'dead'), 30_000, 5);
  if (!ok) return NaN;
  const falseDead = c.live().reduce((s, sn) => s + sn.engine!.stats().declaredDead, 0) - (n - 1);
  if (falseDead !== 0) console.error(`N=${n}: ${falseDead} extra dead declarations`);
  return c.now - t0;
}

/**
 * Steady state: every node owns one instance (a converged registry of N records from N
 * writers, so anti-entropy digests carry N origins), nothing changes, and we count
 * everything on the wire over a window long enough to include anti-entropy rounds.
 */
async function steady(n: number, windowMs: number, seed: number): Promise<{ nodes: number; windowS: number; msgsPerNodePerSec: number; bytesPerNodePerSec: number; wallSec: number }> {
  const wall0 = performance.now();
  const preload = Array.from({ length: n }, (_, i) => ({
    key: instanceKey('bench', 'web', `i${i}`),
    value: { namespace: 'bench', service: 'web', id: `i${i}`, attributes: { ip: '10.0.0.1', port: '8080' }, owner: `n${i}`, registeredAtMs: 0 },
    hlc: 1_700_000_000_000 * 1024 + i,
    node: `n${i}`,
    seq: 1,
  }));
  const c = await SimCluster.create({ seed, size: n, config: GOSSIP_PRESETS.lan, codec: 'size', bootstrap: 'seed', persist: false, preload });
  await c.runFor(2_000);
  const s0 = { ...c.net.stats };
  await c.runFor(windowMs);
  const perSec = (x: number) => Math.round((x / n / windowMs) * 1000 * 100) / 100;
  return { nodes: n, windowS: windowMs / 1000, msgsPerNodePerSec: perSec(c.net.stats.sent - s0.sent), bytesPerNodePerSec: Math.round(perSec(c.net.stats.bytes - s0.bytes)), wallSec: round((performance.now() - wall0) / 1000) };
}

const steadyRows = [await steady(100, 60_000, 7), await steady(1000, 30_000, 7)];
console.log('\nSteady state, lan preset: one instance per node, no changes, everything on the wire (probes, acks, push-pull, anti-entropy)');
console.log('nodes  window(s)  msgs/node/s  bytes/node/s');
for (const r of steadyRows) console.log(`${String(r.nodes).padStart(5)}  ${String(r.windowS).padStart(9)}  ${String(r.msgsPerNodePerSec).padStart(11)}  ${String(r.bytesPerNodePerSec).padStart(12)}`);

const det: { nodes: number; hint: boolean; p50: number; max: number }[] = [];
for (const n of [10, 25, 100]) {
  for (const hint of [true, false]) {
    const xs: number[] = [];
    for (let s = 1; s <= 15; s++) xs.push(await detection(n, hint, s));
    xs.sort((a, b) => a - b);
    det.push({ nodes: n, hint, p50: xs[Math.floor(xs.length / 2)], max: xs[xs.length - 1] });
  }
}
console.log('\nFailure detection, lan preset, 15 seeds each: crash until every other node says dead');
console.log('nodes  conn-closed-hint  p50(ms)  max(ms)');
for (const d of det) console.log(`${String(d.nodes).padStart(5)}  ${String(d.hint).padStart(16)}  ${String(d.p50).padStart(7)}  ${String(d.max).padStart(7)}`);
writeFileSync(file, JSON.stringify({ preset: 'lan', network: '0.2-1 ms uniform delay; loss as in each row', seed: 42, rows, steady: steadyRows, detection: det }, null, 2));

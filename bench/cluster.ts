/**
 * Cluster benchmark with real processes on 127.0.0.1: Grapevine against HashiCorp Serf,
 * side by side, for each N, in the same run, repeated --runs times (issue 11's honesty
 * rules: every figure is the median over the runs with min and max, every run is kept
 * in bench/results/ with its load average and CPU-availability probe, and a run whose
 * probe shows less than 80% of a core free is marked noisy, never dropped).
 *
 * One run of one N, in this order (each step's figures come from this step only):
 *  1. conditions: 1-minute load average and a timed busy loop (bench/lib/conditions.ts);
 *  2. Grapevine boot: N daemons join the first; full view = from the last daemon's
 *     readiness until every daemon lists N alive members;
 *  3. idle window (--idle-s): CPU of all N daemons (/proc/PID/stat), gossip bytes sent
 *     per node per second (transport counter), suspicions and deaths declared;
 *  4. convergence (--regs samples, --gap-ms apart): from the moment the client SENDS the
 *     PUT until every node's blocking query has answered with the new instance (the
 *     acknowledgement-relative time is kept too, labelled "from ack");
 *  5. soak load (--load-rate registrations/s for --load-s): suspicions, deaths, the
 *     event-loop delay p99 of three nodes scraped every second; then the time until all
 *     state digests are equal once the load stops;
 *  6. burst (--burst-rate writes/s for --burst-s, all on one writer): CPU of the N-1
 *     other daemons above their idle rate, per remote record applied (receive, merge,
 *     persist, forward), and gossip bytes per node per second;
 *  7. frozen-node detection: SIGSTOP of one daemon (no connection closes) until every
 *     other reports its instance UNHEALTHY (NODE_FAILED);
 *  8. Serf, N agents (-profile --serf-profile): the same idle window (CPU; bytes are
 *     write-syscall bytes from /proc/PID/io, UDP and TCP), user events timed from the
 *     moment the event RPC is sent until every agent streamed it, and SIGSTOP detection
 *     until every other agent streamed member-failed.
 * Usage: node dist/bench/cluster.js [--sizes 10,25,50,100] [--runs 3] [--regs 30]
 *   [--gap-ms 200] [--idle-s 20] [--load-s 30] [--load-rate 50] [--burst-s 10]
 *   [--burst-rate 100] [--preset lan] [--serf-profile lan] [--no-serf] [--no-detect]
 *   [--gossip '{"probeIntervalMs":1000}'] [--label name] [--detect-only]
 * Writes bench/results/cluster-<stamp>-n<N>-run<r>.json per run and
 * bench/results/cluster-<stamp>-summary.json (with `figures`). Never gates CI.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { machine, ROOT } from './lib/common.js';
import { summaryFigures, type RunRecord } from './cluster/summary.js';
import { conditions } from './lib/conditions.js';
import { summarize } from './lib/stats.js';
import { api } from '../test/integration/helpers/daemon.js';
import { convergence, counters, cpuSecondsOf, digestsEqualMs, failureDetection, load, startGrapevine, stopGrapevine, wcharOf, type GrapevineCluster } from './cluster/grapevine.js';
import { sleep, stopAll } from './cluster/procs.js';
import { serfAvailable, serfEventTimes, serfFailureDetection, startSerf, stopSerf, type SerfCluster } from './cluster/serf.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}
const sizes = arg('sizes', '10,25,50,100').split(',').map(Number);
const runs = Number(arg('runs', '3'));
const regs = Number(arg('regs', '30'));
const gapMs = Number(arg('gap-ms', '200'));
const idleS = Number(arg('idle-s', '20'));
const loadS = Number(arg('load-s', '30'));
const loadRate = Number(arg('load-rate', '50'));
const burstS = Number(arg('burst-s', '10'));
const burstRate = Number(arg('burst-rate', '100'));
const preset = arg('preset', 'lan');
const serfProfile = arg('serf-profile', 'lan');
const label = arg('label', '');
const wantSerf = !process.argv.includes('--no-serf');
const wantDetect = !process.argv.includes('--no-detect');
/** --detect-only skips every step but boot and frozen-node detection (for timing comparisons). */
const detectOnly = process.argv.includes('--detect-only');
const gossipOverrides = arg('gossip', '');
let configFile: string | undefined;
if (gossipOverrides) {
  configFile = join(mkdtempSync(join(tmpdir(), 'gv-bench-cfg-')), 'config.json');
  writeFileSync(configFile, JSON.stringify({ gossip: JSON.parse(gossipOverrides) }));
}
const command = `node dist/bench/cluster.js ${process.argv.slice(2).join(' ')}`.trim();

/** ensureSerf finds serf, installing the Debian package once when running as root; it returns the version or why it is skipped. */
function ensureSerf(): { version?: string; skipped?: string } {
  if (!wantSerf) return { skipped: '--no-serf given' };
  let v = serfAvailable();
  if (v) return { version: v };
  if (process.getuid?.() !== 0) return { skipped: 'serf is not on PATH and we are not root to install it' };
  spawnSync('apt-get', ['install', '-y', 'serf'], { stdio: 'ignore' });
  v = serfAvailable();
  return v ? { version: v } : { skipped: 'apt-get install -y serf failed' };
}


const log = (m: string) => process.stderr.write(`[cluster ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

async function idleWindow(pids: number[], seconds: number): Promise<{ cpuCorePct: number; wchar: number }> {
  const c0 = cpuSecondsOf(pids), w0 = wcharOf(pids), t0 = performance.now();
  await sleep(seconds * 1000);
  const s = (performance.now() - t0) / 1000;
  return { cpuCorePct: ((cpuSecondsOf(pids) - c0) / s) * 100, wchar: (wcharOf(pids) - w0) / s };
}

async function grapevineRun(n: number, rec: RunRecord): Promise<void> {
  let g: GrapevineCluster | undefined;
  const out: Record<string, number | string | object> = {};
  rec.grapevine = out;
  try {
    g = await startGrapevine(n, preset, configFile);
    out.bootMs = g.bootMs;
    out.fullViewMs = g.fullViewMs;
    log(`N=${n}: grapevine formed (boot ${Math.round(g.bootMs)} ms, full view ${Math.round(g.fullViewMs)} ms)`);
    const pids = g.daemons.map((d) => d.pid);
    await sleep(3_000);
    if (detectOnly) {
      out.frozenDetectionMs = await failureDetection(g, 'SIGSTOP');
      log(`N=${n}: frozen node detected by all in ${Math.round(out.frozenDetectionMs as number)} ms`);
      return;
    }
    const k0 = await counters(g);
    const idle = await idleWindow(pids, idleS);
    const k1 = await counters(g);
    out.idle = { seconds: idleS, cpuCorePctAll: idle.cpuCorePct, cpuCorePctPerDaemon: idle.cpuCorePct / n, bytesPerNodePerSec: (k1.bytesOut - k0.bytesOut) / n / idleS, suspicions: k1.suspicionsRaised - k0.suspicionsRaised, falseDeaths: k1.declaredDead - k0.declaredDead };
    log(`N=${n}: idle ${idle.cpuCorePct.toFixed(1)}% of a core for all ${n}, ${Math.round((k1.bytesOut - k0.bytesOut) / n / idleS)} B/node/s`);

    const conv = await convergence(g, regs, gapMs);
    const fromSend = summarize(conv.map((x) => x.fromSendMs));
    const fromAck = summarize(conv.map((x) => x.fromAckMs));
    out.convergence = { samples: conv.length, fromSendP50Ms: fromSend.p50, fromSendP99Ms: fromSend.p99, fromSendMaxMs: fromSend.max, fromAckP50Ms: fromAck.p50, fromAckP99Ms: fromAck.p99, raw: conv };
    log(`N=${n}: convergence from send p50 ${fromSend.p50.toFixed(1)} p99 ${fromSend.p99.toFixed(1)} ms`);

    // Soak at loadRate: suspicions, deaths and the event-loop delay of three nodes.
    const watched = [g.daemons[1] ?? g.daemons[0]!, g.daemons[Math.floor(n / 2)]!, g.daemons[n - 1]!];
    let lagOn = true;
    const lags: number[] = [];
    const lagLoop = (async () => {
      for (const d of watched) await api(d, 'GET', '/v1/metrics').catch(() => undefined);
      while (lagOn) {
        await sleep(1000);
        for (const d of watched) {
          const t = String((await api(d, 'GET', '/v1/metrics').catch(() => ({ body: '' }))).body);
          const m = /^grapevine_nodejs_eventloop_lag_p99_seconds (\S+)/m.exec(t);
          if (m) lags.push(Number(m[1]) * 1000);
        }
      }
    })();
    const k2 = await counters(g);
    const soak = await load(g, loadRate, loadS, `soak${rec.run}`);
    lagOn = false;
    await lagLoop;
    const eq = await digestsEqualMs(g, 30_000);
    const k3 = await counters(g);
    out.soak = { ...soak, rate: loadRate, suspicions: k3.suspicionsRaised - k2.suspicionsRaised, falseDeaths: k3.declaredDead - k2.declaredDead, notAliveAtEnd: k3.notAliveNow, lagP99WorstMs: lags.length ? Math.max(...lags) : NaN, lagP99MedianMs: summarize(lags).p50, digestsEqualAfterMs: eq };
    log(`N=${n}: soak ${soak.ok}/${soak.sent} ok${soak.failed ? ` (failed: ${JSON.stringify(soak.failedBy)})` : ''}, ack p50 ${soak.ackP50Ms.toFixed(1)} ms, ${k3.declaredDead - k2.declaredDead} deaths, ${k3.suspicionsRaised - k2.suspicionsRaised} suspicions, lag worst ${Math.max(...lags).toFixed(1)} ms, digests equal after ${Math.round(eq)} ms`);

    // Burst at burstRate: CPU per remote record applied, bytes per node per second.
    await sleep(2_000);
    const k4 = await counters(g);
    // One writer (g1), so that the other N-1 daemons' CPU is receive-side work only.
    const receivers = pids.slice(1);
    const c4 = cpuSecondsOf(receivers), t4 = performance.now();
    const burst = await load(g, burstRate, burstS, `burst${rec.run}`, [g.daemons[0]!]);
    await digestsEqualMs(g, 30_000);
    const secs = (performance.now() - t4) / 1000;
    const cpu = cpuSecondsOf(receivers) - c4 - (idle.cpuCorePct / 100) * ((n - 1) / n) * secs;
    const k5 = await counters(g);
    out.burst = { ...burst, rate: burstRate, cpuPerRemoteRecordUs: (cpu / (burst.ok * (n - 1))) * 1e6, bytesPerNodePerSec: (k5.bytesOut - k4.bytesOut) / n / secs, windowS: secs, falseDeaths: k5.declaredDead - k4.declaredDead };
    log(`N=${n}: burst ${burst.ok}/${burst.sent}${burst.failed ? ` (failed: ${JSON.stringify(burst.failedBy)})` : ''}, ${((cpu / (burst.ok * (n - 1))) * 1e6).toFixed(1)} µs CPU per remote record, ${Math.round((k5.bytesOut - k4.bytesOut) / n / secs)} B/node/s`);

    if (wantDetect) {
      out.frozenDetectionMs = await failureDetection(g, 'SIGSTOP');
      log(`N=${n}: frozen node detected by all in ${Math.round(out.frozenDetectionMs as number)} ms`);
    }
  } catch (e) {
    rec.errors.push(`grapevine: ${(e as Error).message.slice(0, 400)}`);
  } finally {
    if (g) await stopGrapevine(g);
  }
}

async function serfRun(n: number, rec: RunRecord): Promise<void> {
  let c: SerfCluster | undefined;
  const out: Record<string, number | string | object> = {};
  rec.serf = out;
  try {
    const t0 = performance.now();
    c = await startSerf(n, serfProfile);
    out.formedMs = performance.now() - t0;
    const pids = c.procs.map((p) => p.pid!);
    await sleep(3_000);
    if (detectOnly) {
      out.frozenDetectionMs = await serfFailureDetection(c, n - 1, 'SIGSTOP');
      log(`N=${n}: serf frozen agent detected by all in ${Math.round(out.frozenDetectionMs as number)} ms`);
      return;
    }
    const idle = await idleWindow(pids, idleS);
    out.idle = { seconds: idleS, cpuCorePctAll: idle.cpuCorePct, cpuCorePctPerAgent: idle.cpuCorePct / n, writeBytesPerNodePerSec: idle.wchar / n };
    log(`N=${n}: serf idle ${idle.cpuCorePct.toFixed(1)}% of a core for all ${n}`);
    const ev = await serfEventTimes(c, regs, gapMs);
    const s = summarize(ev.times);
    out.event = { samples: ev.times.length, lost: ev.lost, fromSendP50Ms: s.p50, fromSendP99Ms: s.p99, fromSendMaxMs: s.max };
    log(`N=${n}: serf event from send p50 ${s.p50.toFixed(1)} p99 ${s.p99.toFixed(1)} ms (${ev.lost} lost)`);
    if (wantDetect) {
      out.frozenDetectionMs = await serfFailureDetection(c, n - 1, 'SIGSTOP');
      log(`N=${n}: serf frozen agent detected by all in ${Math.round(out.frozenDetectionMs as number)} ms`);
    }
  } catch (e) {
    rec.errors.push(`serf: ${(e as Error).message.slice(0, 400)}`);
  } finally {
    if (c) await stopSerf(c);
  }
}

async function main(): Promise<void> {
  const serf = ensureSerf();
  const stamp = `${new Date().toISOString().replace(/[:.]/g, '-')}${label ? `-${label}` : ''}`;
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const records: RunRecord[] = [];
  for (let run = 1; run <= runs; run++) {
    for (const n of sizes) {
      const rec: RunRecord = { n, run, conditions: conditions(), errors: [] };
      log(`run ${run}/${runs} N=${n}: load ${rec.conditions.loadAvg1m}, CPU free ${rec.conditions.cpuFree}${rec.conditions.noisy ? ' (NOISY)' : ''}`);
      await grapevineRun(n, rec);
      await stopAll();
      if (serf.version) {
        rec.conditionsSerf = conditions();
        await serfRun(n, rec);
        await stopAll();
      }
      records.push(rec);
      writeFileSync(join(dir, `cluster-${stamp}-n${n}-run${run}.json`), JSON.stringify({ bench: 'cluster', command, preset, gossipOverrides: gossipOverrides || null, serfProfile, serf, machine: machine(), ...rec }, null, 2) + '\n');
    }
  }
  const figures = summaryFigures(records, { sizes, command, serfProfile, idleS, loadS, loadRate, burstRate, preset, gossipOverrides, wantDetect });
  const file = join(dir, `cluster-${stamp}-summary.json`);
  writeFileSync(file, JSON.stringify({ bench: 'cluster', command, preset, gossipOverrides: gossipOverrides || null, serfProfile, serf, machine: machine(), runs, figures, runFiles: records.map((r) => `cluster-${stamp}-n${r.n}-run${r.run}.json`) }, null, 2) + '\n');
  const f = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : v >= 100 ? String(Math.round(v)) : v.toFixed(1));
  for (const x of figures) process.stdout.write(`${x.label}: ${f(x.median)} ${x.unit} [${f(x.min)}..${f(x.max)}] runs ${x.runs}${x.baseline ? ` | ${x.baseline.name} ${f(x.baseline.value)} [${f(x.baseline.min)}..${f(x.baseline.max)}]` : ''}${x.target ? ` | target ${x.target}` : ''}\n`);
  process.stdout.write(`wrote ${file}\n`);
}

// A watch that fails before its Promise.all is awaited must fail the step, not the whole bench.
process.on('unhandledRejection', (e) => log(`unhandled: ${(e as Error)?.message ?? e}`));
process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
main().then(
  async () => {
    await stopAll();
    process.exit(0);
  },
  async (e) => {
    process.stderr.write(`bench failed: ${(e as Error).stack}\n`);
    await stopAll();
    process.exit(1);
  },
);

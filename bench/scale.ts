/**
 * Scale benchmark (issue 6, item 6), on real daemon processes:
 *  - RSS (VmRSS from /proc/PID/status) at idle, with 10,000 and 100,000 instances
 *    registered through the HTTP API, and per-instance bytes;
 *  - start-up time with 100,000 instances stored (spawn until GET /v1/status answers),
 *    and the RSS right after that start (no write-path garbage);
 *  - time for a new node to receive the whole registry by full state transfer (spawn of a
 *    second daemon joining the first until GET /v1/state/digest is equal on both);
 *  - event-loop delay p99 during the registration burst and during the transfer, from
 *    prom-client's default metric grapevine_nodejs_eventloop_lag_p99_seconds
 *    (the delay past a timer's due time, sampled every 100 ms, src/obs/metrics.ts; before 2026-12-02 it was
 *    prom-client's interval at 10 ms resolution, 10 ms above the delay; every scrape resets its histogram, so
 *    scraping every 500 ms gives one p99 per 500 ms window).
 * Usage: node dist/bench/scale.js [--quick] [--out FILE] [--instances N]
 */
import { QUICK, argValue, figureOf, logger, promValue, round, rssBytes, sleep, writeResult, type Figure } from './lib/common.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { api, createService, digest, freePort, metricsText, registerMany, startDaemon, type Daemon } from './lib/daemon.js';
import { startProfiled } from './lib/profile.js';
import { summarize } from './lib/stats.js';

const log = logger('scale');
const NS = 'scale.internal';
const BIG = Number(argValue('instances') ?? (QUICK ? 1_000 : 100_000));
const MID = Math.min(10_000, BIG / 2);
const PER_SERVICE = 1000;
const RUNS = QUICK ? 1 : 3;
const LAG = 'grapevine_nodejs_eventloop_lag_p99_seconds';
const MB = 2 ** 20;

/** settledRss waits for the daemon to go quiet, then returns the median of three RSS reads. */
async function settledRss(d: Daemon): Promise<number> {
  await sleep(QUICK ? 500 : 3000);
  const reads: number[] = [];
  for (let i = 0; i < 3; i++) {
    reads.push(rssBytes(d.pid));
    await sleep(QUICK ? 100 : 500);
  }
  return summarize(reads).p50;
}

/** lagWatcher scrapes the event-loop p99 of some daemons every 500 ms until stopped. */
function lagWatcher(ds: Daemon[]): { stop: () => Promise<number[]> } {
  const windows: number[] = [];
  let on = true;
  const loop = (async () => {
    for (const d of ds) await metricsText(d).catch(() => ''); // reset the histograms: start a clean window
    while (on) {
      await sleep(500);
      for (const d of ds) {
        const v = promValue(await metricsText(d).catch(() => ''), LAG);
        if (Number.isFinite(v)) windows.push(v * 1000);
      }
    }
  })();
  return {
    stop: async () => {
      on = false;
      await loop;
      return windows;
    },
  };
}

/** records reads the record count from GET /v1/status (cheap, unlike the digest), or -1. */
async function records(d: Daemon | string): Promise<number> {
  const r = await api(d, 'GET', '/v1/status', undefined, 5000).catch(() => null);
  return r && r.status === 200 && typeof r.body.records === 'number' ? r.body.records : -1;
}

async function registerRange(d: Daemon, from: number, to: number): Promise<number> {
  let ms = 0;
  for (let s = Math.floor(from / PER_SERVICE); s * PER_SERVICE < to; s++) {
    const lo = Math.max(from, s * PER_SERVICE);
    const hi = Math.min(to, (s + 1) * PER_SERVICE);
    if (lo === s * PER_SERVICE) await createService(d, NS, `svc${s}`);
    ms += await registerMany([d], NS, `svc${s}`, lo, hi, 64);
  }
  return ms;
}

async function main(): Promise<void> {
  const figures: Figure[] = [];
  const raw: Record<string, unknown> = { instances: BIG, mid: MID };
  const t0 = performance.now();
  let a = await startDaemon({ name: 'a', preset: 'local', logLevel: 'error', readyTimeoutMs: 120_000 });
  const emptyStartMs = performance.now() - t0;
  const cleanup: Daemon[] = [a];
  try {
    const idle = await settledRss(a);
    log(`idle RSS ${(idle / MB).toFixed(1)} MB (empty start ${Math.round(emptyStartMs)} ms)`);
    figures.push(figureOf('scale.rss.idle', 'Daemon RSS at idle', 'MB', [idle / MB], { command: 'VmRSS of an idle daemon (preset local)', target: '< 80 MB', met: idle / MB < 80, better: 'lower' }));

    const lag = lagWatcher([a]);
    const ms1 = await registerRange(a, 0, MID);
    log(`registered ${MID} instances in ${Math.round(ms1)} ms (${Math.round((MID / ms1) * 1000)}/s)`);
    const rssMid = await settledRss(a);
    log(`RSS with ${MID}: ${(rssMid / MB).toFixed(1)} MB`);
    const ms2 = await registerRange(a, MID, BIG);
    const burst = await lag.stop();
    const rate = ((BIG - MID) / ms2) * 1000;
    log(`registered ${BIG} instances in all (${Math.round(rate)}/s for the second part)`);
    const rssBig = await settledRss(a);
    const perInst = (rssBig - idle) / BIG;
    log(`RSS with ${BIG}: ${(rssBig / MB).toFixed(1)} MB, ${Math.round(perInst)} B/instance`);
    raw.registration = { ratePerSec: round(rate), concurrency: 64, lagWindowsMs: burst };
    figures.push(figureOf('scale.rss.mid', `Daemon RSS with ${MID.toLocaleString('en')} instances`, 'MB', [rssMid / MB], { n: MID, command: 'VmRSS after registering through PUT .../instances/{id} (64 in flight), settled 3 s', better: 'lower' }));
    figures.push(figureOf('scale.rss.big', `Daemon RSS with ${BIG.toLocaleString('en')} instances`, 'MB', [rssBig / MB], { n: BIG, command: 'VmRSS after registering through the HTTP API, settled 3 s', better: 'lower' }));
    figures.push(figureOf('scale.bytesPerInstance', 'Memory per instance (RSS growth / instances, after registration)', 'B', [perInst], { n: BIG, command: '(RSS with N - idle RSS) / N', target: '< 1 KB', met: perInst < 1024, better: 'lower' }));
    figures.push(figureOf('scale.lag.burst', 'Event-loop delay p99 during a registration burst (worst 500 ms window)', 'ms', burst, {
      value: round(Math.max(...burst)), n: BIG, command: `${LAG} scraped every 500 ms while registering ${BIG - MID} instances, 64 in flight (includes the 10 ms sampling interval)`, target: '< 20 ms', met: Math.max(...burst) < 20, better: 'lower', note: 'value = worst window; runs = windows' }));

    // Full state transfer to a new node, timed from its spawn to equal digests.
    const want = await digest(a);
    const wantRecords = await records(a);
    const transfer: number[] = [];
    const transferLag: number[] = [];
    const rssReceiver: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const t1 = performance.now();
      const b = await startDaemon({ name: `b${r}`, preset: 'local', logLevel: 'error', join: [a.gossipAddr] });
      cleanup.push(b);
      const w = lagWatcher([a, b]);
      let ok = false;
      while (performance.now() - t1 < 300_000) {
        // The record count first: GET /v1/state/digest hashes the whole registry, and polling it
        // every 50 ms would itself load the receiver's event loop.
        if ((await records(b)) >= wantRecords && (await digest(b).catch(() => '')) === want) {
          ok = true;
          break;
        }
        await sleep(50);
      }
      const ms = performance.now() - t1;
      transferLag.push(...(await w.stop()));
      if (!ok) throw new Error(`new node b${r} did not reach the digest of a within 300 s`);
      transfer.push(ms);
      rssReceiver.push(await settledRss(b));
      log(`transfer ${r + 1}/${RUNS}: ${Math.round(ms)} ms, receiver RSS ${(rssReceiver[r] / MB).toFixed(1)} MB`);
      await b.stop();
      b.cleanup();
    }
    figures.push(figureOf('scale.transfer', `Full state transfer of ${BIG.toLocaleString('en')} instances to a new node`, 'ms', transfer, { n: BIG, command: 'spawn of a daemon joining the first until GET /v1/state/digest is equal on both', better: 'lower' }));
    figures.push(figureOf('scale.lag.transfer', 'Event-loop delay p99 during the transfer (sender and receiver, worst 500 ms window)', 'ms', transferLag, {
      value: round(Math.max(...transferLag)), n: BIG, command: `${LAG} scraped every 500 ms on both daemons (includes the 10 ms sampling interval)`, target: '< 20 ms', met: Math.max(...transferLag) < 20, better: 'lower', note: 'value = worst window; runs = windows' }));
    figures.push(figureOf('scale.rss.receiver', `RSS of the new node holding ${BIG.toLocaleString('en')} instances`, 'MB', rssReceiver.map((v) => v / MB), { n: BIG, command: 'VmRSS of the receiving daemon after the transfer, settled', better: 'lower' }));
    const recvPer = (summarize(rssReceiver).p50 - idle) / BIG;
    figures.push(figureOf('scale.bytesPerInstance.receiver', 'Memory per instance on a node that received them by transfer', 'B', [recvPer], { n: BIG, command: '(receiver RSS - idle RSS) / N', target: '< 1 KB', met: recvPer < 1024, better: 'lower' }));

    if (!QUICK || process.argv.includes('--profile')) {
      // One more transfer with the receiver under --cpu-prof: where its event-loop turns go.
      const dir = mkdtempSync(path.join(tmpdir(), 'grapevine-scale-prof-'));
      const [h, g, dn] = [await freePort(), await freePort(), await freePort()];
      const p = startProfiled(['--node', 'bprof', '--data-dir', path.join(dir, 'data'), '--preset', 'local', '--log-level', 'error', '--http-addr', `127.0.0.1:${h}`, '--gossip-addr', `127.0.0.1:${g}`, '--dns-addr', `127.0.0.1:${dn}`, '--join', a.gossipAddr]);
      const url = `http://127.0.0.1:${h}`;
      const t3 = performance.now();
      while (performance.now() - t3 < 300_000 && !((await records(url)) >= wantRecords && (await digest(url).catch(() => '')) === want)) await sleep(50);
      raw.transferProfile = { receiverMs: round(performance.now() - t3), top: await p.stop() };
      rmSync(dir, { recursive: true, force: true });
      log(`profiled transfer: ${(raw.transferProfile as { top: { fn: string; selfPct: number }[] }).top.slice(0, 6).map((t) => `${t.fn} ${t.selfPct}%`).join(', ')}`);
    }

    // Start-up with everything stored.
    const starts: number[] = [];
    const rssAfterStart: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      await a.stop(60_000);
      const t2 = performance.now();
      a = await a.restart({ readyTimeoutMs: 300_000 });
      starts.push(performance.now() - t2);
      cleanup.push(a);
      if ((await digest(a)) !== want) throw new Error('restarted daemon lost state');
      rssAfterStart.push(await settledRss(a));
      log(`start-up ${r + 1}/${RUNS} with ${BIG} stored: ${Math.round(starts[r])} ms, RSS ${(rssAfterStart[r] / MB).toFixed(1)} MB`);
    }
    figures.push(figureOf('scale.startup', `Start-up time with ${BIG.toLocaleString('en')} instances stored`, 'ms', starts, { n: BIG, command: 'spawn of grapevine agent on the data dir until GET /v1/status answers (polled every 50 ms)', better: 'lower', baseline: { name: 'empty data dir', value: round(emptyStartMs), runs: 1 } }));
    const startPer = (summarize(rssAfterStart).p50 - idle) / BIG;
    figures.push(figureOf('scale.rss.restart', `RSS right after start-up with ${BIG.toLocaleString('en')} stored`, 'MB', rssAfterStart.map((v) => v / MB), { n: BIG, command: 'VmRSS after the restart, settled', better: 'lower' }));
    figures.push(figureOf('scale.bytesPerInstance.restart', 'Memory per instance after a restart (loaded from LevelDB)', 'B', [startPer], { n: BIG, command: '(RSS after restart - idle RSS) / N', target: '< 1 KB', met: startPer < 1024, better: 'lower' }));
    raw.memory = { idleMb: idle / MB, midMb: rssMid / MB, bigMb: rssBig / MB, receiverMb: rssReceiver.map((v) => v / MB), restartMb: rssAfterStart.map((v) => v / MB) };
    raw.memoryCurve = [
      [0, idle / MB],
      [MID, rssMid / MB],
      [BIG, rssBig / MB],
    ];
    raw.status = (await api(a, 'GET', '/v1/status')).body;
  } finally {
    for (const d of cleanup) {
      await d.stop().catch(() => undefined);
      d.cleanup();
    }
  }
  for (const f of figures) log(`${f.label}: ${f.value} ${f.unit} (min ${f.min}, median ${f.median}, max ${f.max}, runs ${f.runs})${f.target ? ` target ${f.target}: ${f.met ? 'met' : 'MISSED'}` : ''}`);
  writeResult('scale', { figures, ...raw });
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

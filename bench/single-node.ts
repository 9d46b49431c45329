/**
 * Single-node figures of issue 2, on a real daemon process (`grapevine agent`):
 *  - durable registrations acknowledged per second (PUT instance, answered after the
 *    LevelDB batch is synced), with 64 requests in flight;
 *  - discover requests per second on a service of 1,000 instances (autocannon, 20
 *    connections, default max 100), next to a bare node:http server answering the same
 *    bytes (bench/lib/fixed-server), and their ratio;
 *  - daemon RSS with 0 instances and with 100,000 (right after registering them, and
 *    after a restart);
 *  - start-up time (spawn → /v1/status answers) with 100,000 instances stored.
 * Prints a table and writes bench/results/single-node-<date>.json.
 * Usage: node dist/bench/single-node.js [--quick] [--out FILE]
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { QUICK, ROOT, figureOf, logger, round, rssBytes, sleep, writeResult, type Figure } from './lib/common.js';
import { api, createService, registerMany, startDaemon, type Daemon } from './lib/daemon.js';

const log = logger('single-node');
const NS = 'bench.internal';
const RUNS = 3;
/** DISCOVER_PAIRS is how many daemon/bare pairs of discovery runs are taken. */
const DISCOVER_PAIRS = QUICK ? 3 : 5;
const REG_PER_RUN = QUICK ? 2_000 : 10_000;
const BIG = QUICK ? 20_000 : 100_000;
const DURATION_S = QUICK ? 2 : 5;
const FIXED = path.join(ROOT, 'dist', 'bench', 'lib', 'fixed-server.js');

async function cannon(url: string): Promise<number> {
  const r = await autocannon({ url, connections: 20, duration: DURATION_S, pipelining: 1 });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`autocannon ${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return r.requests.average;
}

async function fixedServer(body: string): Promise<{ url: string; stop: () => void }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'gv-fixed-'));
  const file = path.join(dir, 'body.json');
  writeFileSync(file, body);
  const proc = spawn(process.execPath, [FIXED, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => createInterface({ input: proc.stdout! }).once('line', resolve));
  const port = (JSON.parse(line) as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: () => {
      proc.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function settledRss(pid: number): Promise<number> {
  await sleep(2000); // let start-up garbage be collected
  const s: number[] = [];
  for (let i = 0; i < 5; i++, await sleep(200)) s.push(rssBytes(pid));
  return Math.min(...s) / 2 ** 20;
}

async function main(): Promise<void> {
  const figures: Figure[] = [];
  let d: Daemon | undefined = await startDaemon({ name: 'bench1', logLevel: 'warn' });
  try {
    const rss0 = await settledRss(d.pid);
    figures.push(figureOf('rss0', 'daemon RSS, 0 instances', 'MiB', [rss0], { better: 'lower' }));
    log(`RSS at 0 instances: ${round(rss0)} MiB`);

    // 1. Discover at 1,000 instances, against a bare node:http server answering the same bytes.
    // Measured first, on a settled daemon: right after the write bursts below, LevelDB
    // compaction and GC on the daemon's other threads would compete for the same cores.
    await createService(d, NS, 'web');
    await registerMany([d], NS, 'web', 0, 1000, 64, 'w');
    const url = `${d.httpUrl}/v1/discover/${NS}/web`;
    const sample = await api(d, 'GET', `/v1/discover/${NS}/web`);
    const fixed = await fixedServer(JSON.stringify(sample.body));
    const ours: number[] = [];
    const bare: number[] = [];
    try {
      // Warm both up first (JIT, and the daemon settling after registering the 1,000).
      await sleep(5000);
      await cannon(url);
      await cannon(fixed.url);
      for (let run = 0; run < DISCOVER_PAIRS; run++) {
        ours.push(await cannon(url));
        bare.push(await cannon(fixed.url));
        log(`discover run ${run + 1}: ${round(ours.at(-1)!)} req/s vs bare ${round(bare.at(-1)!)} req/s`);
      }
    } finally {
      fixed.stop();
    }
    const bareFig = figureOf('bare', 'bare node:http, same body', 'req/s', bare);
    // The ratio is the median of per-pair ratios: each pair ran back to back, so drift
    // in machine load (a shared, noisy box) hits both sides of a pair alike.
    const pairRatios = ours.map((o, i) => o / bare[i]!);
    const ratio = figureOf('x', '', '', pairRatios).median;
    figures.push(
      figureOf('discover1000', 'discover, 1,000 instances (max 100)', 'req/s', ours, {
        better: 'higher',
        baseline: { name: 'bare node:http, same body', value: bareFig.median, min: bareFig.min, max: bareFig.max, runs: bareFig.runs },
        ratio: round(ratio),
        target: '>= 0.7 of bare node:http',
        met: ratio >= 0.7,
        note: `per-pair ratios ${pairRatios.map((r) => round(r)).join(', ')}`,
      }),
    );

    // 2. Durable registrations per second.
    const regRates: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      await createService(d, NS, `reg${run}`);
      const ms = await registerMany([d], NS, `reg${run}`, 0, REG_PER_RUN, 64);
      regRates.push((REG_PER_RUN / ms) * 1000);
      log(`registrations run ${run + 1}: ${round(regRates.at(-1)!)} /s`);
    }
    figures.push(figureOf('registrations', 'durable registrations acknowledged', 'req/s', regRates, { n: REG_PER_RUN, better: 'higher' }));

    // 3. RSS at 100,000 instances.
    await createService(d, NS, 'big');
    const t0 = performance.now();
    await registerMany([d], NS, 'big', 0, BIG, 128, 'b');
    log(`registered ${BIG} instances in ${round((performance.now() - t0) / 1000)} s`);
    const rssBig = await settledRss(d.pid);
    figures.push(figureOf('rssBig', `daemon RSS, ${BIG.toLocaleString('en')} instances`, 'MiB', [rssBig], { better: 'lower', n: BIG }));
    log(`RSS at ${BIG} instances: ${round(rssBig)} MiB`);

    // 4. Start-up time with everything stored.
    const starts: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      await d.stop(60_000);
      const s0 = performance.now();
      d = await d.restart({ readyTimeoutMs: 120_000 });
      starts.push(performance.now() - s0);
      const count = (await api(d, 'GET', `/v1/namespaces/${NS}/services/big`)).body.instanceCount;
      if (count !== BIG) throw new Error(`after restart: ${count} instances, expected ${BIG}`);
      log(`start-up run ${run + 1}: ${round(starts.at(-1)!)} ms`);
    }
    figures.push(figureOf('startup', `start-up with ${BIG.toLocaleString('en')} instances stored`, 'ms', starts, { better: 'lower', n: BIG }));
    // RSS right after the bursts above includes V8 heap grown by 100,000 HTTP requests;
    // after a restart it shows what holding the registry costs.
    const rssRestarted = await settledRss(d.pid);
    figures.push(figureOf('rssBigRestarted', `daemon RSS, ${BIG.toLocaleString('en')} instances, after restart`, 'MiB', [rssRestarted], { better: 'lower', n: BIG }));
  } finally {
    await d?.stop(60_000);
    d?.cleanup();
  }

  console.log('\n' + ['figure'.padEnd(48), 'median'.padStart(10), 'min'.padStart(10), 'max'.padStart(10), '  unit  ', 'note'].join(' '));
  for (const f of figures) {
    const note = f.ratio !== undefined ? `${f.ratio} of bare (${round(f.baseline!.value)} req/s); target ${f.target}` : '';
    console.log([f.label.padEnd(48), String(f.median).padStart(10), String(f.min).padStart(10), String(f.max).padStart(10), `  ${f.unit.padEnd(6)}`, note].join(' '));
  }
  writeResult('single-node', { command: `node dist/bench/single-node.js${QUICK ? ' --quick' : ''}`, figures });
}

await main();
process.exit(0);

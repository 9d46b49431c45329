/**
 * HTTP discovery benchmark (issue 6, item 4): requests/s and p99 of
 * GET /v1/discover/{ns}/{svc} on a real daemon process, for a service with 10 instances
 * and one with 1,000, against a minimal node:http server in its own process that returns
 * a fixed body of the same bytes (the Node ceiling here). Runs alternate between the two
 * servers so drift hits both alike. When the daemon is under the 70% target, it is run
 * once more under `node --cpu-prof` and the top self-time functions go into the result.
 * Usage: node dist/bench/http.js [--quick] [--out FILE] [--no-profile]
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QUICK, ROOT, figureOf, logger, round, writeResult, type Figure } from './lib/common.js';
import { startProfiled, type ProfileTop } from './lib/profile.js';
import { api, createService, registerMany, startDaemon, waitFor, type Daemon } from './lib/daemon.js';

const log = logger('http');
const NS = 'bench.internal';
const DURATION_S = QUICK ? 1 : 5;
const RUNS = 3;
const CONNECTIONS = 20;
const TARGET_RATIO = 0.7;
const FIXED = path.join(ROOT, 'dist', 'bench', 'lib', 'fixed-server.js');

interface Case {
  id: string;
  label: string;
  svc: string;
  instances: number;
  query: string;
}

const CASES: Case[] = [
  { id: 'discover10', label: 'discover, 10 instances', svc: 's10', instances: 10, query: '' },
  { id: 'discover1000', label: 'discover, 1,000 instances (default max 100)', svc: 's1000', instances: 1000, query: '' },
  ...(QUICK ? [] : [{ id: 'discover1000all', label: 'discover, 1,000 instances (max=1000)', svc: 's1000', instances: 1000, query: '?max=1000' }]),
];

interface Load {
  rps: number;
  p99Ms: number;
  p50Ms: number;
  errors: number;
}

async function load(url: string, seconds: number): Promise<Load> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: seconds, pipelining: 1 });
  return { rps: r.requests.average, p99Ms: r.latency.p99, p50Ms: r.latency.p50, errors: r.errors + r.timeouts + r.non2xx };
}

async function startFixed(bodyFile: string): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, [FIXED, bodyFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  process.on('exit', () => proc.exitCode === null && proc.kill('SIGKILL'));
  const port = await new Promise<number>((resolve, reject) => {
    proc.once('exit', (c) => reject(new Error(`fixed server exited with ${c}`)));
    proc.stdout!.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()).port));
  });
  return { proc, url: `http://127.0.0.1:${port}/` };
}

async function stopProc(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise<void>((r) => p.once('exit', () => r()));
  process.kill(p.pid!, 'SIGTERM');
  await gone;
}

/** profile runs the daemon (same data dir and ports) under node --cpu-prof for one load run. */
async function profile(d: Daemon, c: Case): Promise<{ daemon: Daemon; top: ProfileTop[] }> {
  await d.stop();
  const p = startProfiled(['--node', d.name, '--data-dir', d.dataDir, '--preset', 'local', '--log-level', 'error', '--http-addr', d.httpAddr, '--gossip-addr', d.gossipAddr, '--dns-addr', d.dnsAddr]);
  await waitFor(async () => (await api(d, 'GET', '/v1/status', undefined, 1000)).status === 200, 'profiled daemon', 30_000);
  await load(`${d.httpUrl}/v1/discover/${NS}/${c.svc}${c.query}`, QUICK ? 1 : 3);
  await load(`${d.httpUrl}/v1/discover/${NS}/${c.svc}${c.query}`, DURATION_S);
  const top = await p.stop();
  return { daemon: await d.restart(), top };
}

async function main(): Promise<void> {
  let d = await startDaemon({ name: 'h1', preset: 'local', logLevel: 'error' });
  const tmp = mkdtempSync(path.join(tmpdir(), 'grapevine-http-'));
  const figures: Figure[] = [];
  const cases: Record<string, unknown>[] = [];
  const profiles: Record<string, unknown> = {};
  try {
    for (const svc of new Set(CASES.map((c) => c.svc))) {
      const n = CASES.find((c) => c.svc === svc)!.instances;
      await createService(d, NS, svc);
      const ms = await registerMany([d], NS, svc, 0, n, 32);
      log(`registered ${n} instances in ${svc} in ${Math.round(ms)} ms`);
    }
    for (const c of CASES) {
      const url = `${d.httpUrl}/v1/discover/${NS}/${c.svc}${c.query}`;
      const sample = await api(d, 'GET', `/v1/discover/${NS}/${c.svc}${c.query}`);
      const text = JSON.stringify(sample.body);
      const bodyFile = path.join(tmp, `${c.id}.json`);
      writeFileSync(bodyFile, text);
      const fixed = await startFixed(bodyFile);
      try {
        await load(url, QUICK ? 1 : 3); // warm-up: JIT, connection pools
        await load(fixed.url, 1);
        const ours: Load[] = [];
        const base: Load[] = [];
        for (let r = 0; r < RUNS; r++) {
          base.push(await load(fixed.url, DURATION_S));
          ours.push(await load(url, DURATION_S));
          log(`${c.id} run ${r + 1}/${RUNS}: grapevine ${Math.round(ours[r].rps)} req/s p99 ${ours[r].p99Ms} ms; node:http fixed ${Math.round(base[r].rps)} req/s p99 ${base[r].p99Ms} ms`);
        }
        const bodyBytes = Buffer.byteLength(text);
        const bf = figureOf(`${c.id}.baseline.rps`, '', 'req/s', base.map((x) => x.rps));
        const ratio = round(figureOf('', '', '', ours.map((x) => x.rps)).median / bf.median);
        const cmd = `autocannon -c ${CONNECTIONS} -d ${DURATION_S} GET /v1/discover/${NS}/${c.svc}${c.query} (${bodyBytes} B body)`;
        figures.push(
          figureOf(`http.${c.id}.rps`, `HTTP ${c.label}: requests/s`, 'req/s', ours.map((x) => x.rps), {
            n: c.instances,
            command: cmd,
            better: 'higher',
            baseline: { name: 'node:http fixed body', value: bf.median, min: bf.min, max: bf.max, runs: bf.runs },
            ratio,
            target: `>= ${TARGET_RATIO * 100}% of node:http`,
            met: ratio >= TARGET_RATIO,
          }),
        );
        const bp = figureOf('', '', 'ms', base.map((x) => x.p99Ms));
        figures.push(
          figureOf(`http.${c.id}.p99`, `HTTP ${c.label}: p99 latency`, 'ms', ours.map((x) => x.p99Ms), {
            n: c.instances,
            command: cmd,
            better: 'lower',
            baseline: { name: 'node:http fixed body', value: bp.median, min: bp.min, max: bp.max, runs: bp.runs },
            ratio: round(figureOf('', '', '', ours.map((x) => x.p99Ms)).median / bp.median),
          }),
        );
        cases.push({ ...c, bodyBytes, connections: CONNECTIONS, durationS: DURATION_S, grapevine: ours, baseline: base, errors: ours.reduce((a, x) => a + x.errors, 0) });
        if (ratio < TARGET_RATIO && !process.argv.includes('--no-profile') && (!QUICK || process.argv.includes('--profile'))) {
          log(`${c.id}: ${Math.round(ratio * 100)}% of the ceiling, under target: profiling the daemon with --cpu-prof`);
          const p = await profile(d, c);
          d = p.daemon;
          profiles[c.id] = p.top;
          for (const t of p.top.slice(0, 8)) log(`  ${t.selfPct}%  ${t.fn}`);
        }
      } finally {
        await stopProc(fixed.proc);
      }
    }
  } finally {
    await d.stop();
    d.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  }
  for (const f of figures) log(`${f.label}: ${f.median} ${f.unit} (min ${f.min}, max ${f.max}; baseline ${f.baseline?.value}; ratio ${f.ratio})`);
  writeResult('http', { figures, cases, profiles });
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

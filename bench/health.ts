/**
 * Health benchmark.
 *  1. Check throughput: one daemon with 5,000 HTTP-checked instances (interval 1 s)
 *     against a local target server in its own process. Reports checks per second
 *     (from the daemon's metrics and, independently, from the target's request count)
 *     and the daemon's CPU, from /proc/PID/stat utime+stime deltas.
 *  2. Propagation: a 10-node local cluster; time from a CUSTOM status change on one
 *     node until every node shows it, observed with blocking discovery queries.
 * Prints a table and writes bench/results/health-<date>.json.
 * Usage: npx tsc -p . && node dist/bench/health.js [--instances N] [--window S] [--max-concurrent N]
 *        [--nodes N] [--trials N] [--skip-cluster] [--skip-checks]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarize, type Summary } from './lib/stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const MAIN = path.join(root, 'dist', 'src', 'cli', 'main.js');
const TARGET = path.join(here, 'health-target.js');

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

const children: ChildProcess[] = [];
function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.pid) c.kill('SIGKILL');
}
process.on('exit', killAll);
process.on('SIGINT', () => process.exit(130));

async function api(addr: string, method: string, p: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`http://${addr}${p}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  if (res.status >= 400) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
  return { status: res.status, json };
}

interface Daemon {
  name: string;
  http: string;
  gossip: string;
  proc: ChildProcess;
}

async function startCluster(n: number, dir: string, maxConcurrentChecks = 64): Promise<Daemon[]> {
  const nodes = [];
  for (let i = 1; i <= n; i++) {
    nodes.push({ name: `n${i}`, gossipAddr: `127.0.0.1:${await freePort()}`, httpAddr: `127.0.0.1:${await freePort()}`, dataDir: path.join(dir, `n${i}`) });
  }
  const cfg = { cluster: 'bench', preset: 'local', nodes, join: [nodes[0].gossipAddr], health: { maxConcurrentChecks }, logLevel: 'warn' };
  const file = path.join(dir, 'cluster.json');
  fs.writeFileSync(file, JSON.stringify(cfg));
  const out: Daemon[] = [];
  for (const [i, nd] of nodes.entries()) {
    // The seed first, so that the others find it listening when they join.
    if (i === 1) await waitUp(out[0]);
    const proc = spawn(process.execPath, [MAIN, 'agent', '--config', file, '--node', nd.name], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, GRAPEVINE_LOG_PRETTY: '0' } });
    let err = '';
    proc.stderr!.on('data', (d) => (err = (err + d).slice(-2000)));
    proc.on('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(`daemon ${nd.name} exited ${code}: ${err}\n`);
    });
    children.push(proc);
    out.push({ name: nd.name, http: nd.httpAddr, gossip: nd.gossipAddr, proc });
  }
  for (const d of out) await waitUp(d);
  return out;
}

async function waitUp(d: Daemon): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await api(d.http, 'GET', '/v1/status');
      return;
    } catch {
      if (i > 300) throw new Error(`daemon ${d.name} did not come up`);
      await sleep(100);
    }
  }
}

/** cpuTicks reads utime+stime of a process in clock ticks (/proc/PID/stat fields 14 and 15). */
function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
/** CLK_TCK on Linux is 100 on every mainstream architecture; `getconf CLK_TCK` confirms it. */
const CLK_TCK = 100;

/** metricValues scrapes once and sums each named metric over its label sets (one scrape: collecting resets the event-loop histogram). */
async function metricValues(addr: string, names: string[]): Promise<number[]> {
  const res = await fetch(`http://${addr}/v1/metrics`);
  const text = await res.text();
  return names.map((name) => {
    let sum = 0;
    for (const line of text.split('\n')) if ((line.startsWith(`${name} `) || line.startsWith(`${name}{`)) && !line.startsWith('#')) sum += Number(line.split(' ').pop());
    return sum;
  });
}

async function targetRequests(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/__stats`);
  return ((await res.json()) as { requests: number }).requests;
}

interface ChecksResult {
  instances: number;
  intervalMs: number;
  maxConcurrentChecks: number;
  windowS: number;
  checksPerSecDaemon: number;
  checksPerSecTarget: number;
  cpuPercentOfOneCore: number;
  /** cpuMicrosPerCheck is daemon CPU per check: the figure that holds up on a busy machine, where the daemon is starved. */
  cpuMicrosPerCheck: number;
  eventLoopLagP99Ms: number;
  healthy: number;
  rssMb: number;
}

async function benchChecks(instances: number, windowS: number, maxConcurrentChecks: number): Promise<ChecksResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gv-bench-health-'));
  const target = spawn(process.execPath, [TARGET], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(target);
  try {
    const port = await new Promise<number>((resolve) => target.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
    const [d] = await startCluster(1, dir, maxConcurrentChecks);
    await api(d.http, 'PUT', '/v1/namespaces/bench', { type: 'HTTP' });
    await api(d.http, 'PUT', '/v1/namespaces/bench/services/web', { healthCheck: { type: 'HTTP', path: '/health', intervalMs: 1000, timeoutMs: 900, failureThreshold: 3 } });
    const t0 = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < instances) {
          const i = next++;
          await api(d.http, 'PUT', `/v1/namespaces/bench/services/web/instances/i${i}`, { attributes: { ipv4: '127.0.0.1', port: String(port) } });
        }
      }),
    );
    process.stderr.write(`registered ${instances} instances in ${Date.now() - t0} ms; warming up\n`);
    await sleep(5000);
    const [c0] = await metricValues(d.http, ['grapevine_health_checks_total']);
    const r0 = await targetRequests(port);
    const cpu0 = cpuTicks(d.proc.pid!);
    const w0 = Date.now();
    await sleep(windowS * 1000);
    // prom-client's event-loop delay histogram covers the time since the previous scrape (the window),
    // and includes its 10 ms sampling resolution: ~10 ms means no lag.
    const [c1, lagP99S] = await metricValues(d.http, ['grapevine_health_checks_total', 'grapevine_nodejs_eventloop_lag_p99_seconds']);
    const lagP99Ms = Math.round(lagP99S * 1e4) / 10;
    const r1 = await targetRequests(port);
    const cpu1 = cpuTicks(d.proc.pid!);
    const secs = (Date.now() - w0) / 1000;
    const list = await api(d.http, 'GET', '/v1/namespaces/bench/services/web/instances');
    const healthy = (list.json.instances as { health: string }[]).filter((x) => x.health === 'HEALTHY').length;
    const status = fs.readFileSync(`/proc/${d.proc.pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return {
      instances,
      intervalMs: 1000,
      maxConcurrentChecks,
      windowS: Math.round(secs * 10) / 10,
      checksPerSecDaemon: Math.round((c1 - c0) / secs),
      checksPerSecTarget: Math.round((r1 - r0) / secs),
      cpuPercentOfOneCore: Math.round(((cpu1 - cpu0) / CLK_TCK / secs) * 1000) / 10,
      eventLoopLagP99Ms: lagP99Ms,
      cpuMicrosPerCheck: Math.round(((cpu1 - cpu0) / CLK_TCK / Math.max(1, c1 - c0)) * 1e6),
      healthy,
      rssMb: Math.round(rssKb / 1024),
    };
  } finally {
    killAll();
    children.length = 0;
    await sleep(200);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface PropagationResult {
  nodes: number;
  trials: number;
  allNodesMs: Summary;
  perNodeMs: Summary;
}

async function benchPropagation(n: number, trials: number): Promise<PropagationResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gv-bench-prop-'));
  try {
    const ds = await startCluster(n, dir);
    // Wait until every node sees every member alive.
    for (let i = 0; ; i++) {
      const counts = await Promise.all(ds.map(async (d) => (await api(d.http, 'GET', '/v1/members')).json.members.filter((m: any) => m.status === 'alive').length));
      if (counts.every((c) => c === n)) break;
      if (i > 300) throw new Error(`cluster did not form: ${counts}`);
      await sleep(100);
    }
    const first = ds[0];
    await api(first.http, 'PUT', '/v1/namespaces/prop', { type: 'HTTP' });
    await api(first.http, 'PUT', '/v1/namespaces/prop/services/api', { healthCheck: { type: 'CUSTOM' } });
    await api(first.http, 'PUT', '/v1/namespaces/prop/services/api/instances/x', { attributes: { ipv4: '127.0.0.1', port: '1' } });
    // Wait until the instance is everywhere.
    for (let i = 0; ; i++) {
      const seen = await Promise.all(ds.map(async (d) => (await api(d.http, 'GET', '/v1/discover/prop/api?health=ALL').catch(() => null))?.json.instances.length ?? 0));
      if (seen.every((c) => c === 1)) break;
      if (i > 300) throw new Error('instance did not replicate');
      await sleep(50);
    }
    const all: number[] = [];
    const per: number[] = [];
    let status = 'HEALTHY';
    for (let t = 0; t < trials; t++) {
      status = status === 'HEALTHY' ? 'UNHEALTHY' : 'HEALTHY';
      const others = ds.slice(1);
      const revs = await Promise.all(others.map(async (d) => (await api(d.http, 'GET', '/v1/discover/prop/api?health=ALL')).json.revision as number));
      let t0 = 0;
      const waits = others.map(async (d, i) => {
        let index = revs[i];
        for (;;) {
          const r = await api(d.http, 'GET', `/v1/discover/prop/api?health=ALL&index=${index}&wait=10s`);
          const inst = r.json.instances[0];
          if (inst && inst.health === status) return performance.now();
          index = r.json.revision;
        }
      });
      // Give the blocking queries a moment to park on their servers before the change.
      await sleep(20);
      t0 = performance.now();
      await api(first.http, 'PUT', '/v1/namespaces/prop/services/api/instances/x/health', { status });
      const done = await Promise.all(waits);
      for (const x of done) per.push(x - t0);
      all.push(Math.max(...done) - t0);
      await sleep(50);
    }
    return { nodes: n, trials, allNodesMs: round(summarize(all)), perNodeMs: round(summarize(per)) };
  } finally {
    killAll();
    children.length = 0;
    await sleep(300);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function round(s: Summary): Summary {
  const r = (x: number) => Math.round(x * 100) / 100;
  return { n: s.n, min: r(s.min), p50: r(s.p50), p99: r(s.p99), max: r(s.max), mean: r(s.mean) };
}

async function main(): Promise<void> {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} not found: build first (npx tsc -p .)`);
  const result: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadAvgAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100) };
  // Other work on the machine skews every figure here; the load average is recorded so a reader can tell.
  console.log(`load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} on ${os.cpus().length} CPUs`);
  if (!process.argv.includes('--skip-checks')) {
    const r = await benchChecks(arg('instances', 5000), arg('window', 20), arg('max-concurrent', 64));
    result.checks = r;
    console.log('\nHealth checks, one daemon');
    console.table({
      instances: r.instances,
      'interval (ms)': r.intervalMs,
      'max concurrent checks': r.maxConcurrentChecks,
      'ideal checks/s (jittered periods)': Math.round(r.instances / 0.95),
      'checks/s (daemon metric)': r.checksPerSecDaemon,
      'checks/s (target count)': r.checksPerSecTarget,
      'daemon CPU (% of one core)': r.cpuPercentOfOneCore,
      'daemon CPU per check (µs)': r.cpuMicrosPerCheck,
      'event-loop lag p99 (ms)': r.eventLoopLagP99Ms,
      'daemon RSS (MB)': r.rssMb,
      'healthy at end': r.healthy,
    });
  }
  if (!process.argv.includes('--skip-cluster')) {
    const p = await benchPropagation(arg('nodes', 10), arg('trials', 50));
    result.propagation = p;
    console.log(`\nCUSTOM status change on n1 until all ${p.nodes} nodes show it (blocking discovery), ${p.trials} trials`);
    console.table({ 'all nodes (ms)': p.allNodesMs, 'each node (ms)': p.perNodeMs });
  }
  result.loadAvgAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
  fs.mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
  const out = path.join(root, 'bench', 'results', `health-${new Date().toISOString().slice(0, 10)}.json`);
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(root, out)}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

/**
 * DNS benchmark: queries per second and latency for a mix of A and SRV lookups over
 * 100 services with 3 to 10 instances each, measured with dnsperf against a real
 * Grapevine daemon and, side by side at the same settings, against NSD (one server
 * process) serving the same records from a generated zone file.
 *
 *   npm run build && node dist/bench/dns.js [--quick] [--seconds N] [--runs N] [--out FILE]
 *
 * The servers run one after the other, never at once, each pinned to CPU 1 with
 * dnsperf pinned to CPU 0 when taskset and two cores exist, and (as root) all of
 * them at nice -10, so that other work on a shared machine disturbs them less. Each run is one dnsperf
 * process, one thread, one client socket, up to 100 queries outstanding: that
 * saturates a single-threaded server, so qps is its ceiling and the latency figures
 * include queueing. Latency percentiles come from dnsperf -v (one line per query),
 * written to a temp file and read after the run so that parsing costs no CPU during it.
 * Missing tools are installed with apt-get when running as root, else reported as
 * skipped; a missing dnsperf falls back to a Node load generator (bench/dns-load.ts).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { api, startDaemon, type Daemon } from '../test/integration/helpers/daemon.js';
import { quantile } from './lib/stats.js';
import { nodeLoad } from './dns-load.js';
import { BOOST_NICE, ensureTools, has, instancesOf, NS, pin, SERVICES, startEcho, startNsd } from './dns-servers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** DnsRun is one load run against one server. */
export interface DnsRun {
  qps: number;
  p50Ms: number;
  p99Ms: number;
  lost: number;
  completed: number;
  /** responseBytes is dnsperf's average response size: both servers should send comparable answers. */
  responseBytes?: number;
  /** rcodes counts answers by response code, to show that every answer was a real one. */
  rcodes?: Record<string, number>;
}

/** DnsBenchResult is what runDnsBench returns and writes. */
export interface DnsBenchResult {
  tool: string;
  seconds: number;
  runs: number;
  services: number;
  instances: number;
  grapevine: DnsRun[];
  nsd: DnsRun[] | { skipped: string };
  /** nodeEcho is the Node ceiling (see ECHO_SERVER). */
  nodeEcho: DnsRun[] | { skipped: string };
  median: { grapevine: DnsRun; nsd?: DnsRun; nodeEcho?: DnsRun; qpsRatio?: number; qpsOfNodeCeiling?: number };
  target: string;
  met?: boolean;
}


/** queryFile alternates A and SRV lookups over every service. */
function queryFile(): string {
  const lines: string[] = [];
  for (let s = 0; s < SERVICES; s++) lines.push(`svc-${s}.${NS} A`, `_svc-${s}._tcp.${NS} SRV`);
  return lines.join('\n') + '\n';
}

async function loadDaemon(d: Daemon): Promise<number> {
  const must = async (method: string, p: string, body: unknown) => {
    const r = await api(d, method, p, body, 60_000);
    if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
  };
  await must('PUT', `/v1/namespaces/${NS}`, { type: 'DNS', soaTtl: 15 });
  const jobs: (() => Promise<void>)[] = [];
  for (let s = 0; s < SERVICES; s++) {
    await must('PUT', `/v1/namespaces/${NS}/services/svc-${s}`, { dns: { routingPolicy: 'MULTIVALUE', records: [{ type: 'A', ttl: 10 }, { type: 'SRV', ttl: 10 }] } });
    for (let i = 0; i < instancesOf(s); i++) {
      jobs.push(() => must('PUT', `/v1/namespaces/${NS}/services/svc-${s}/instances/i-${i}`, { attributes: { ipv4: `10.${s}.0.${i + 1}`, port: String(8000 + i) } }));
    }
  }
  let next = 0;
  await Promise.all(Array.from({ length: 32 }, async () => { while (next < jobs.length) await jobs[next++](); }));
  return jobs.length;
}

/** dnsperfRun runs dnsperf once for `seconds` and reads qps and latency percentiles. */
async function dnsperfRun(port: number, queries: string, seconds: number, dir: string): Promise<DnsRun> {
  const vfile = path.join(dir, `dnsperf-${port}-${Date.now()}.log`);
  const cmd = `dnsperf -s 127.0.0.1 -p ${port} -d ${queries} -l ${seconds} -c 1 -T 1 -q 100 -t 2 -v > ${vfile}`;
  const niced = process.getuid?.() === 0 ? `nice -n ${BOOST_NICE} ${cmd}` : cmd;
  const pinned = os.cpus().length >= 2 && has('taskset') ? `taskset -c 0 ${niced}` : niced;
  const r = spawnSync('sh', ['-c', pinned], { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  if (r.status !== 0) throw new Error(`dnsperf failed: ${r.stderr}`);
  const lat: number[] = [];
  const rcodes: Record<string, number> = {};
  let summary = '';
  const rl = createInterface({ input: createReadStream(vfile) });
  for await (const line of rl) {
    // "> NOERROR svc-1.bench.internal A 0.000071"
    if (line.startsWith('> ')) {
      const rc = line.slice(2, line.indexOf(' ', 2));
      rcodes[rc] = (rcodes[rc] ?? 0) + 1;
      const v = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (Number.isFinite(v)) lat.push(v * 1000);
    } else summary += line + '\n';
  }
  rmSync(vfile, { force: true });
  lat.sort((a, b) => a - b);
  const num = (re: RegExp) => Number(re.exec(summary)?.[1] ?? NaN);
  return {
    qps: Math.round(num(/Queries per second:\s+([\d.]+)/)),
    completed: num(/Queries completed:\s+(\d+)/),
    lost: num(/Queries lost:\s+(\d+)/),
    p50Ms: Math.round(quantile(lat, 0.5) * 1000) / 1000,
    p99Ms: Math.round(quantile(lat, 0.99) * 1000) / 1000,
    responseBytes: num(/Average packet size:\s+request \d+, response (\d+)/),
    rcodes,
  };
}

function medianRun(runs: DnsRun[]): DnsRun {
  const med = (f: (r: DnsRun) => number) => quantile(runs.map(f).sort((a, b) => a - b), 0.5);
  return {
    qps: med((r) => r.qps),
    p50Ms: med((r) => r.p50Ms),
    p99Ms: med((r) => r.p99Ms),
    lost: med((r) => r.lost),
    completed: med((r) => r.completed),
    responseBytes: med((r) => r.responseBytes ?? NaN),
  };
}

/** runDnsBench measures Grapevine and NSD and returns (and writes) the figures. */
export async function runDnsBench(opts: { quick?: boolean; seconds?: number; runs?: number; log?: (m: string) => void } = {}): Promise<DnsBenchResult> {
  const log = opts.log ?? ((m: string) => console.log(`[dns] ${m}`));
  const seconds = opts.seconds ?? (opts.quick ? 3 : 10);
  const runs = opts.runs ?? 3;
  ensureTools(log);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'grapevine-dns-bench-'));
  const queries = path.join(dir, 'queries.txt');
  writeFileSync(queries, queryFile());
  let d: Daemon | undefined;
  let nsd: { port: number; proc: ChildProcess } | string | undefined;
  let echo: { port: number; proc: ChildProcess } | string | undefined;
  try {
    log('starting a grapevine daemon and loading 100 services');
    d = await startDaemon({ name: 'dnsbench', logLevel: 'error' });
    pin(1, d.pid);
    const instances = await loadDaemon(d);
    log(`${instances} instances registered; starting nsd`);
    nsd = await startNsd(dir, log);
    if (typeof nsd !== 'string') pin(1, nsd.proc.pid);
    echo = has('dnsperf') ? await startEcho() : 'needs dnsperf';
    if (typeof echo !== 'string') pin(1, echo.proc.pid);
    const useDnsperf = has('dnsperf');
    const tool = useDnsperf ? 'dnsperf' : 'node load generator (dnsperf missing)';
    const run = (port: number) => (useDnsperf ? dnsperfRun(port, queries, seconds, dir) : nodeLoad(port, queryFile(), seconds));
    // Warm-up: JIT and answer caches on our side, for a fair first run.
    await run(d.dnsPort);
    const g: DnsRun[] = [];
    const n: DnsRun[] = [];
    const e: DnsRun[] = [];
    for (let i = 0; i < runs; i++) {
      g.push(await run(d.dnsPort));
      log(`run ${i + 1}/${runs} grapevine: ${g[i].qps} qps, p99 ${g[i].p99Ms} ms, ${JSON.stringify(g[i].rcodes ?? {})}`);
      if (typeof nsd !== 'string') {
        n.push(await run(nsd.port));
        log(`run ${i + 1}/${runs} nsd:       ${n[i].qps} qps, p99 ${n[i].p99Ms} ms, ${JSON.stringify(n[i].rcodes ?? {})}`);
      }
      if (typeof echo !== 'string') {
        e.push(await run(echo.port));
        log(`run ${i + 1}/${runs} node echo: ${e[i].qps} qps, p99 ${e[i].p99Ms} ms`);
      }
    }
    const mg = medianRun(g);
    const mn = n.length ? medianRun(n) : undefined;
    const me = e.length ? medianRun(e) : undefined;
    const ratio = mn ? Math.round((mg.qps / mn.qps) * 1000) / 1000 : undefined;
    const result: DnsBenchResult = {
      tool,
      seconds,
      runs,
      services: SERVICES,
      instances,
      grapevine: g,
      nsd: typeof nsd === 'string' ? { skipped: nsd } : n,
      nodeEcho: typeof echo === 'string' ? { skipped: echo } : e,
      median: {
        grapevine: mg,
        ...(mn ? { nsd: mn } : {}),
        ...(me ? { nodeEcho: me, qpsOfNodeCeiling: Math.round((mg.qps / me.qps) * 1000) / 1000 } : {}),
        ...(ratio !== undefined ? { qpsRatio: ratio } : {}),
      },
      target: 'grapevine qps >= 0.5 x NSD single-process qps',
      ...(ratio !== undefined ? { met: ratio >= 0.5 } : {}),
    };
    printTable(result);
    return result;
  } finally {
    if (nsd && typeof nsd !== 'string') nsd.proc.kill('SIGKILL');
    if (echo && typeof echo !== 'string') echo.proc.kill('SIGKILL');
    if (d) {
      await d.stop().catch(() => undefined);
      d.cleanup();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function printTable(r: DnsBenchResult): void {
  const rows: [string, DnsRun | undefined][] = [
    ['grapevine', r.median.grapevine],
    ['nsd', r.median.nsd],
    ['node echo', r.median.nodeEcho],
  ];
  console.log(`\nDNS: ${r.services} services, ${r.instances} instances, A+SRV mix, ${r.tool}, ${r.seconds}s x ${r.runs} runs (medians)`);
  console.log('server      qps        p50 ms   p99 ms   lost  resp B');
  for (const [name, x] of rows) {
    if (!x) console.log(`${name.padEnd(11)} skipped: ${((name === 'nsd' ? r.nsd : r.nodeEcho) as { skipped: string }).skipped}`);
    else console.log(`${name.padEnd(11)} ${String(x.qps).padEnd(10)} ${x.p50Ms.toFixed(3).padEnd(8)} ${x.p99Ms.toFixed(3).padEnd(8)} ${String(x.lost).padEnd(5)} ${x.responseBytes ?? ''}`);
  }
  if (r.median.qpsOfNodeCeiling !== undefined) console.log(`grapevine / node echo (the Node UDP ceiling): ${r.median.qpsOfNodeCeiling}`);
  if (r.median.qpsRatio !== undefined) console.log(`ratio grapevine/nsd qps: ${r.median.qpsRatio} (target >= 0.5: ${r.met ? 'met' : 'NOT met'})\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const loadAvgAtStart = os.loadavg();
  const quick = process.argv.includes('--quick');
  const seconds = arg('seconds') ? Number(arg('seconds')) : undefined;
  const runs = arg('runs') ? Number(arg('runs')) : undefined;
  const result = await runDnsBench({ quick, ...(seconds ? { seconds } : {}), ...(runs ? { runs } : {}) });
  const out = arg('out') ?? path.join(ROOT, 'bench', 'results', `dns-${new Date().toISOString().slice(0, 10)}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  // The load average shows how much else the machine was doing: on a shared box, figures move with it.
  const machine = { cores: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, date: new Date().toISOString(), loadAvgAtStart, loadAvgAtEnd: os.loadavg() };
  writeFileSync(out, JSON.stringify({ bench: 'dns', quick, machine, ...result }, null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}

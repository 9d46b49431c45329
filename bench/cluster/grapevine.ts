/**
 * Grapevine side of the cluster benchmark: N daemons (real processes) on 127.0.0.1,
 * convergence of a registration (acknowledged by one node until every node's
 * discovery shows it, watched with blocking queries held open on all nodes) and
 * failure detection (kill -9 until every other node reports the victim's instances
 * UNHEALTHY with reason NODE_FAILED).
 */
import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';
import { api, startDaemon, waitFor, type Daemon } from '../../test/integration/helpers/daemon.js';
import { summarize } from '../lib/stats.js';

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/**
 * longPoll issues one blocking discovery query with a raw keep-alive HTTP request and
 * returns the time its response headers arrived (taken before the body is read, so
 * that a busy benchmark process does not charge JSON parsing to the cluster), and the
 * parsed body.
 */
function longPoll(d: Daemon, path: string): Promise<{ atMs: number; status: number; body: { instances: Inst[]; revision: number } }> {
  return new Promise((resolve, reject) => {
    const req = request(`${d.httpUrl}${path}`, { agent, timeout: 35_000 }, (res) => {
      const atMs = performance.now();
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve({ atMs, status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) });
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${d.name}: long poll timed out`)));
    req.end();
  });
}

/** NS and SVC are the namespace and service the benchmark registers into. */
export const NS = 'bench.local';
export const SVC = 'svc';
/** LOAD_SVC takes the paced load, so that the convergence and detection watches stay small. */
export const LOAD_SVC = 'load';

interface Inst {
  id: string;
  health: string;
  healthReason: string;
}

/** GrapevineCluster is a set of running daemons, with how long they took to form. */
export interface GrapevineCluster {
  daemons: Daemon[];
  /** bootMs: from the first spawn until the last daemon answered GET /v1/status. */
  bootMs: number;
  /** fullViewMs: from the last daemon's readiness until every daemon lists all n members alive. */
  fullViewMs: number;
}

/** aliveCounts reads every daemon's member list at once and returns how many members each sees alive. */
export async function aliveCounts(ds: Daemon[]): Promise<number[]> {
  return Promise.all(ds.map(async (d) => {
    const r = await api(d, 'GET', '/v1/members', undefined, 5_000).catch(() => undefined);
    return r?.status === 200 ? (r.body.members as { status: string }[]).filter((m) => m.status === 'alive').length : -1;
  }));
}

/**
 * startGrapevine starts n daemons with the given preset (and config file, for gossip
 * overrides), all joining the first, in batches of 4 (2 cores choke on 100 node
 * processes booting at once), and waits until each sees n alive members.
 */
export async function startGrapevine(n: number, preset: string, configFile?: string): Promise<GrapevineCluster> {
  const extra = configFile ? { configFile } : {};
  const t0 = performance.now();
  const daemons: Daemon[] = [];
  try {
    daemons.push(await startDaemon({ name: 'g1', preset, logLevel: 'error', readyTimeoutMs: 60_000, ...extra }));
    const first = daemons[0]!;
    for (let i = 2; i <= n; i += 4) {
      const batch = [];
      for (let j = i; j < i + 4 && j <= n; j++) batch.push(startDaemon({ name: `g${j}`, preset, join: [first.gossipAddr], logLevel: 'error', readyTimeoutMs: 60_000, ...extra }));
      const got = await Promise.allSettled(batch);
      for (const g of got) if (g.status === 'fulfilled') daemons.push(g.value);
      const bad = got.find((g) => g.status === 'rejected');
      if (bad) throw (bad as PromiseRejectedResult).reason;
    }
    const tReady = performance.now();
    await waitFor(async () => (await aliveCounts(daemons)).every((k) => k === n), `${n} daemons to see each other`, 180_000, 100);
    const fullViewMs = performance.now() - tReady;
    await api(first, 'PUT', `/v1/namespaces/${NS}`, { type: 'HTTP' });
    await api(first, 'PUT', `/v1/namespaces/${NS}/services/${SVC}`, {});
    await api(first, 'PUT', `/v1/namespaces/${NS}/services/${LOAD_SVC}`, {});
    await waitFor(async () => (await Promise.all(daemons.map((d) => api(d, 'GET', `/v1/namespaces/${NS}/services/${LOAD_SVC}`).then((r) => r.status)))).every((s) => s === 200), 'the bench service on every node', 30_000, 50);
    return { daemons, bootMs: tReady - t0, fullViewMs };
  } catch (e) {
    await stopGrapevine({ daemons, bootMs: 0, fullViewMs: 0 });
    throw e;
  }
}

/** stopGrapevine kills every daemon and removes their data. */
export async function stopGrapevine(c: GrapevineCluster): Promise<void> {
  await Promise.all(c.daemons.map(async (d) => {
    try {
      process.kill(d.pid, 'SIGCONT'); // a frozen node must run again to die of SIGKILL promptly
    } catch {
      /* gone */
    }
    await d.kill9();
    d.cleanup();
  }));
}

async function revision(d: Daemon, health: string): Promise<number> {
  return (await api(d, 'GET', `/v1/discover/${NS}/${SVC}?health=${health}&max=1000`)).body.revision as number;
}

/**
 * watch holds a blocking query open on one node until `done` holds for its answer,
 * re-issuing it with the new index after an unrelated wake-up; it resolves with
 * the arrival time of the answer that satisfied `done`.
 */
async function watch(d: Daemon, health: string, index: number, done: (insts: Inst[]) => boolean, deadlineMs: number): Promise<{ atMs: number; revision: number }> {
  let idx = index;
  while (performance.now() < deadlineMs) {
    const r = await longPoll(d, `/v1/discover/${NS}/${SVC}?health=${health}&max=1000&index=${idx}&wait=30s`);
    if (r.status !== 200) throw new Error(`${d.name}: discover answered ${r.status}`);
    if (done(r.body.instances)) return { atMs: r.atMs, revision: r.body.revision };
    idx = r.body.revision;
  }
  throw new Error(`${d.name}: condition not reached in time`);
}

/** ConvergenceSample is one registration's timing, in ms. */
export interface ConvergenceSample {
  /** fromAckMs: from the PUT's acknowledgement until the last node's discovery showed it. */
  fromAckMs: number;
  /** fromSendMs: from sending the PUT until the last node showed it. */
  fromSendMs: number;
}

/**
 * convergence registers `count` instances, rotating the origin node, and times each one
 * to every node; `gapMs` separates registrations so that each is timed on a settled cluster.
 */
export async function convergence(c: GrapevineCluster, count: number, gapMs = 200): Promise<ConvergenceSample[]> {
  const out: ConvergenceSample[] = [];
  const ds = c.daemons;
  // Each answer's revision is the next query's index, so the daemons serve only the blocking queries.
  let idx = await Promise.all(ds.map((d) => revision(d, 'ALL')));
  for (let k = 0; k < count; k++) {
    const id = `conv-${k}-${Math.random().toString(36).slice(2, 8)}`;
    const origin = ds[k % ds.length]!;
    if (k > 0) await new Promise((r) => setTimeout(r, gapMs));
    const deadline = performance.now() + 30_000;
    const seen = ds.map((d, i) => watch(d, 'ALL', idx[i]!, (insts) => insts.some((x) => x.id === id), deadline));
    await new Promise((r) => setTimeout(r, 25)); // let every blocking query reach its daemon and park
    const tSend = performance.now();
    const put = await api(origin, 'PUT', `/v1/namespaces/${NS}/services/${SVC}/instances/${id}`, { attributes: { AWS_INSTANCE_IPV4: '10.1.0.1' } });
    const tAck = performance.now();
    if (put.status !== 201 && put.status !== 200) throw new Error(`register on ${origin.name}: ${put.status} ${JSON.stringify(put.body)}`);
    const answers = await Promise.all(seen);
    idx = answers.map((a) => a.revision);
    const last = Math.max(...answers.map((a) => a.atMs));
    out.push({ fromAckMs: last - tAck, fromSendMs: last - tSend });
  }
  return out;
}

/** Counters are sums over every node of what its /v1/metrics says, read at one moment. */
export interface Counters {
  suspicionsRaised: number;
  declaredDead: number;
  /** notAliveNow counts (node, member) pairs not alive, plus members a node does not list at all. */
  notAliveNow: number;
  /** bytesOut is the gossip bytes every node's transport sent (grapevine_gossip_bytes_out_total). */
  bytesOut: number;
  /** lagP99Ms is the worst node's event-loop delay p99 since its previous scrape (each scrape resets it). */
  lagP99Ms: number;
}

function metric(text: string, re: RegExp): number {
  let sum = 0;
  for (const m of text.matchAll(re)) sum += Number(m[1]);
  return sum;
}

/** counters reads every node's engine counters, gossip bytes and member list at once (run before any kill). */
export async function counters(c: GrapevineCluster): Promise<Counters> {
  const out: Counters = { suspicionsRaised: 0, declaredDead: 0, notAliveNow: 0, bytesOut: 0, lagP99Ms: 0 };
  const n = c.daemons.length;
  await Promise.all(c.daemons.map(async (d) => {
    const [ms, mt] = await Promise.all([api(d, 'GET', '/v1/members'), api(d, 'GET', '/v1/metrics')]);
    const members = ms.body.members as { status: string }[];
    out.notAliveNow += members.filter((m) => m.status !== 'alive').length + (n - members.length);
    const text = String(mt.body);
    out.suspicionsRaised += metric(text, /grapevine_gossip_engine\{counter="suspicionsRaised"\} (\d+)/g);
    out.declaredDead += metric(text, /grapevine_gossip_engine\{counter="declaredDead"\} (\d+)/g);
    out.bytesOut += metric(text, /^grapevine_gossip_bytes_out_total(?:\{[^}]*\})? (\d+)/gm);
    out.lagP99Ms = Math.max(out.lagP99Ms, 1000 * metric(text, /^grapevine_nodejs_eventloop_lag_p99_seconds (\S+)/gm));
  }));
  return out;
}

/** cpuSecondsOf sums user+system CPU seconds of processes from /proc/PID/stat (a process gone counts 0). */
export function cpuSecondsOf(pids: number[]): number {
  let sum = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      sum += (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      /* gone */
    }
  }
  return sum;
}

/** wcharOf sums bytes written by processes' write-type system calls (sockets included) from /proc/PID/io. */
export function wcharOf(pids: number[]): number {
  let sum = 0;
  for (const pid of pids) {
    try {
      sum += Number(/wchar:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* gone */
    }
  }
  return sum;
}

/** LoadResult is what a paced registration load did. */
export interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  /** failedBy counts the failures by cause: an HTTP status, `error` (no answer within 30 s or a connection error), or `shed` (256 requests already in flight, not sent). */
  failedBy: Record<string, number>;
  ackP50Ms: number;
  ackP99Ms: number;
  seconds: number;
}

/**
 * load registers instances at `ratePerSec` for `seconds`, rotating over the nodes,
 * (or over `writers`), paced by the clock (a slow answer does not slow the schedule; at most 256 in flight).
 */
export async function load(c: GrapevineCluster, ratePerSec: number, seconds: number, prefix: string, writers = c.daemons): Promise<LoadResult> {
  const ds = writers;
  const total = Math.round(ratePerSec * seconds);
  const acks: number[] = [];
  let ok = 0, failed = 0, inFlight = 0;
  const failedBy: Record<string, number> = {};
  const fail = (why: string) => {
    failed++;
    failedBy[why] = (failedBy[why] ?? 0) + 1;
  };
  const t0 = performance.now();
  const all: Promise<void>[] = [];
  for (let k = 0; k < total; k++) {
    const due = t0 + (k * 1000) / ratePerSec;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    if (inFlight >= 256) {
      fail('shed');
      continue;
    }
    inFlight++;
    const d = ds[k % ds.length]!;
    const ts = performance.now();
    all.push(api(d, 'PUT', `/v1/namespaces/${NS}/services/${LOAD_SVC}/instances/${prefix}-${k}`, { attributes: { AWS_INSTANCE_IPV4: `10.2.${(k >> 8) & 255}.${k & 255}` } }, 30_000).then(
      (r) => {
        inFlight--;
        if (r.status === 200 || r.status === 201) (ok++, acks.push(performance.now() - ts));
        else fail(String(r.status));
      },
      () => {
        inFlight--;
        fail('error');
      },
    ));
  }
  await Promise.all(all);
  const s = summarize(acks);
  return { sent: total, ok, failed, failedBy, ackP50Ms: s.p50, ackP99Ms: s.p99, seconds: (performance.now() - t0) / 1000 };
}

/** digestsEqualMs polls every node's state digest until all are equal and returns the ms it took (NaN past timeoutMs). */
export async function digestsEqualMs(c: GrapevineCluster, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    const ds = await Promise.all(c.daemons.map((d) => api(d, 'GET', '/v1/state/digest', undefined, 5_000).then((r) => String(r.body.digest)).catch(() => `x${Math.random()}`)));
    if (ds.every((x) => x === ds[0])) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 100));
  }
  return NaN;
}

/**
 * failureDetection stops the last daemon with `signal` (SIGKILL: its connections close,
 * a hint; SIGSTOP: frozen, nothing closes) and returns ms until every other node
 * reports its instance UNHEALTHY with reason NODE_FAILED.
 */
export async function failureDetection(c: GrapevineCluster, signal: 'SIGKILL' | 'SIGSTOP' = 'SIGKILL'): Promise<number> {
  const victim = c.daemons[c.daemons.length - 1]!;
  const others = c.daemons.slice(0, -1);
  const id = `victim-${Math.random().toString(36).slice(2, 8)}`;
  await api(victim, 'PUT', `/v1/namespaces/${NS}/services/${SVC}/instances/${id}`, { attributes: {} });
  await waitFor(async () => (await Promise.all(others.map((d) => api(d, 'GET', `/v1/discover/${NS}/${SVC}?health=ALL&max=1000`).then((r) => (r.body.instances as Inst[]).some((x) => x.id === id))))).every(Boolean), 'the victim instance everywhere', 30_000, 20);
  const idx = await Promise.all(others.map((d) => revision(d, 'ALL')));
  const deadline = performance.now() + 60_000;
  const failed = (insts: Inst[]) => insts.some((x) => x.id === id && x.health === 'UNHEALTHY' && x.healthReason === 'NODE_FAILED');
  const seen = others.map((d, i) => watch(d, 'ALL', idx[i]!, failed, deadline));
  await new Promise((r) => setTimeout(r, 25));
  const t0 = performance.now();
  process.kill(victim.pid, signal);
  const last = Math.max(...(await Promise.all(seen)).map((a) => a.atMs));
  return last - t0;
}

/**
 * Grapevine side of the cluster benchmark: N daemons (real processes) on 127.0.0.1,
 * convergence of a registration (acknowledged by one node until every node's
 * discovery shows it, watched with blocking queries held open on all nodes) and
 * failure detection (kill -9 until every other node reports the victim's instances
 * UNHEALTHY with reason NODE_FAILED).
 */
import { Agent, request } from 'node:http';
import { api, startDaemon, waitFor, type Daemon } from '../../test/integration/helpers/daemon.js';

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

/** GrapevineCluster is a set of running daemons. */
export interface GrapevineCluster {
  daemons: Daemon[];
}

interface Inst {
  id: string;
  health: string;
  healthReason: string;
}

/** startGrapevine starts n daemons with the given preset (and config file, for gossip overrides), all joining the first, and waits until each sees n alive members. */
export async function startGrapevine(n: number, preset: string, configFile?: string): Promise<GrapevineCluster> {
  const extra = configFile ? { configFile } : {};
  const first = await startDaemon({ name: 'g1', preset, logLevel: 'error', readyTimeoutMs: 60_000, ...extra });
  const daemons = [first];
  // Start the rest in small parallel batches: a 2-core machine chokes on 50 node processes booting at once.
  for (let i = 2; i <= n; i += 4) {
    const batch = [];
    for (let j = i; j < i + 4 && j <= n; j++) batch.push(startDaemon({ name: `g${j}`, preset, join: [first.gossipAddr], logLevel: 'error', readyTimeoutMs: 60_000, ...extra }));
    daemons.push(...(await Promise.all(batch)));
  }
  await waitFor(async () => {
    for (const d of daemons) {
      const ms = (await api(d, 'GET', '/v1/members')).body.members as { status: string }[];
      if (ms.filter((m) => m.status === 'alive').length !== n) return false;
    }
    return true;
  }, `${n} daemons to see each other`, 120_000, 200);
  await api(first, 'PUT', `/v1/namespaces/${NS}`, { type: 'HTTP' });
  await api(first, 'PUT', `/v1/namespaces/${NS}/services/${SVC}`, {});
  await waitFor(async () => {
    for (const d of daemons) if ((await api(d, 'GET', `/v1/namespaces/${NS}/services/${SVC}`)).status !== 200) return false;
    return true;
  }, 'the bench service on every node', 30_000, 50);
  return { daemons };
}

/** stopGrapevine kills every daemon and removes their data. */
export async function stopGrapevine(c: GrapevineCluster): Promise<void> {
  await Promise.all(c.daemons.map(async (d) => {
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

/** FalsePositives counts, over all nodes, suspicions raised and deaths declared, and members not alive now. */
export interface FalsePositives {
  suspicionsRaised: number;
  declaredDead: number;
  notAliveNow: number;
}

/** falsePositives reads every node's engine counters and member list (run after load, before any kill). */
export async function falsePositives(c: GrapevineCluster): Promise<FalsePositives> {
  const out: FalsePositives = { suspicionsRaised: 0, declaredDead: 0, notAliveNow: 0 };
  for (const d of c.daemons) {
    const ms = (await api(d, 'GET', '/v1/members')).body.members as { status: string }[];
    out.notAliveNow += ms.filter((m) => m.status !== 'alive').length + (c.daemons.length - ms.length);
    const metrics = (await api(d, 'GET', '/v1/metrics')).body as string;
    out.suspicionsRaised += Number(/grapevine_gossip_engine\{counter="suspicionsRaised"\} (\d+)/.exec(metrics)?.[1] ?? 0);
    out.declaredDead += Number(/grapevine_gossip_engine\{counter="declaredDead"\} (\d+)/.exec(metrics)?.[1] ?? 0);
  }
  return out;
}

/** failureDetection kills the last daemon with SIGKILL and returns ms until every other node reports its instance UNHEALTHY (NODE_FAILED). */
export async function failureDetection(c: GrapevineCluster): Promise<number> {
  const victim = c.daemons[c.daemons.length - 1]!;
  const others = c.daemons.slice(0, -1);
  const id = `victim-${Math.random().toString(36).slice(2, 8)}`;
  await api(victim, 'PUT', `/v1/namespaces/${NS}/services/${SVC}/instances/${id}`, { attributes: {} });
  await waitFor(async () => {
    for (const d of others) if (!((await api(d, 'GET', `/v1/discover/${NS}/${SVC}?health=ALL&max=1000`)).body.instances as Inst[]).some((x) => x.id === id)) return false;
    return true;
  }, 'the victim instance everywhere', 30_000, 20);
  const idx = await Promise.all(others.map((d) => revision(d, 'ALL')));
  const deadline = performance.now() + 60_000;
  const failed = (insts: Inst[]) => insts.some((x) => x.id === id && x.health === 'UNHEALTHY' && x.healthReason === 'NODE_FAILED');
  const seen = others.map((d, i) => watch(d, 'ALL', idx[i]!, failed, deadline));
  await new Promise((r) => setTimeout(r, 25));
  const t0 = performance.now();
  process.kill(victim.pid, 'SIGKILL');
  const last = Math.max(...(await Promise.all(seen)).map((a) => a.atMs));
  return last - t0;
}

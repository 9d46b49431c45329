/**
 * Serf side of the cluster benchmark: N `serf agent` processes on 127.0.0.1, user
 * event dissemination time (event accepted by one agent until streamed from all N)
 * and failure detection (kill -9 until every other agent streams member-failed).
 */
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { freePorts, kill9, sleep, startProcess, waitFor } from './procs.js';
import { SerfRpc } from './serf-rpc.js';

/** serfAvailable returns the serf version line, or undefined when serf is not on PATH. */
export function serfAvailable(): string | undefined {
  const r = spawnSync('serf', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0] : undefined;
}

/** SerfCluster is a running set of serf agents with one RPC connection each. */
export interface SerfCluster {
  procs: ChildProcess[];
  rpcs: SerfRpc[];
  names: string[];
}

/** startSerf starts n agents (profile lan unless given), all joined to the first, and waits until each sees n alive members. */
export async function startSerf(n: number, profile = 'lan'): Promise<SerfCluster> {
  const ports = await freePorts(2 * n);
  const procs: ChildProcess[] = [];
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `serf${i + 1}`;
    names.push(name);
    const args = ['agent', '-node', name, '-bind', `127.0.0.1:${ports[2 * i]}`, '-rpc-addr', `127.0.0.1:${ports[2 * i + 1]}`, '-profile', profile, '-log-level', 'err'];
    if (i > 0) args.push('-join', `127.0.0.1:${ports[0]}`);
    procs.push(startProcess('serf', args));
    if (i === 0) await sleep(300);
  }
  const rpcs: SerfRpc[] = [];
  for (let i = 0; i < n; i++) {
    let rpc: SerfRpc | undefined;
    await waitFor(async () => {
      rpc = await SerfRpc.open('127.0.0.1', ports[2 * i + 1]!).catch(() => undefined);
      return rpc !== undefined;
    }, `serf rpc ${i + 1}`, 15_000, 100);
    rpcs.push(rpc!);
  }
  await waitFor(async () => {
    for (const r of rpcs) if ((await r.members()).filter((m) => m.Status === 'alive').length < n) return false;
    return true;
  }, `${n} serf agents to see each other`, 60_000, 200);
  return { procs, rpcs, names };
}

/** stopSerf closes the RPC connections and kills the agents. */
export async function stopSerf(c: SerfCluster): Promise<void> {
  for (const r of c.rpcs) r.close();
  for (const p of c.procs) {
    try {
      if (p.exitCode === null && p.signalCode === null) process.kill(p.pid!, 'SIGCONT');
    } catch {
      /* gone */
    }
    await kill9(p);
  }
}

/**
 * serfEventTimes fires `count` user events from rotating agents and returns, per
 * event, ms until all n agents streamed it, and how many events some agent never got
 * within timeoutMs (Serf drops user events when its broadcast queue overflows). `gapMs`
 * separates events, as registrations are separated on the Grapevine side. Each time runs
 * from the moment the event RPC is sent, by the same clock as Grapevine's PUTs.
 */
export async function serfEventTimes(c: SerfCluster, count: number, gapMs = 200, timeoutMs = 15_000): Promise<{ times: number[]; lost: number }> {
  const arrivals = new Map<string, Map<number, number>>();
  await Promise.all(
    c.rpcs.map((r, i) =>
      r.stream('user:bench', (e) => {
        const id = Buffer.from(e.Payload ?? '').toString();
        let m = arrivals.get(id);
        if (!m) arrivals.set(id, (m = new Map()));
        if (!m.has(i)) m.set(i, performance.now());
      }),
    ),
  );
  const times: number[] = [];
  let lost = 0;
  for (let k = 0; k < count; k++) {
    const id = `e${k}-${Math.random().toString(36).slice(2, 8)}`;
    const origin = c.rpcs[k % c.rpcs.length]!;
    // Timed from the send, like a Grapevine PUT: the clock starts before the RPC is written.
    const t0 = performance.now();
    await origin.event('bench', id);
    try {
      await waitFor(() => (arrivals.get(id)?.size ?? 0) === c.rpcs.length, `serf event ${id} at all agents`, timeoutMs, 2);
      times.push(Math.max(...arrivals.get(id)!.values()) - t0);
    } catch {
      lost++;
    }
    await sleep(gapMs);
  }
  return { times, lost };
}

/** serfFailureDetection stops agent `victim` with `signal` (SIGKILL, or SIGSTOP: frozen) and returns ms until every other agent streamed member-failed for it. */
export async function serfFailureDetection(c: SerfCluster, victim: number, signal: 'SIGKILL' | 'SIGSTOP' = 'SIGKILL', timeoutMs = 60_000): Promise<number> {
  const seen = new Map<number, number>();
  const name = c.names[victim]!;
  await Promise.all(
    c.rpcs.map((r, i) =>
      i === victim
        ? Promise.resolve()
        : r.stream('member-failed', (e) => {
            if (e.Members?.some((m) => m.Name === name) && !seen.has(i)) seen.set(i, performance.now());
          }),
    ),
  );
  if (signal === 'SIGKILL') c.rpcs[victim]!.close();
  await sleep(25);
  const t0 = performance.now();
  if (signal === 'SIGKILL') await kill9(c.procs[victim]!);
  else process.kill(c.procs[victim]!.pid!, 'SIGSTOP');
  await waitFor(() => seen.size === c.rpcs.length - 1, `serf agents to mark ${name} failed`, timeoutMs, 5);
  return Math.max(...seen.values()) - t0;
}

/**
 * Daemon helpers for the benchmarks: the integration tests' process helper (real
 * `grapevine agent` processes on free loopback ports, killed by PID when the bench
 * exits) plus bulk set-up through the HTTP API.
 */
import { api, startDaemon, waitFor, type Daemon } from '../../test/integration/helpers/daemon.js';
import { pool } from './common.js';

export { api, freePort, startDaemon, stopAll, waitFor, type Daemon } from '../../test/integration/helpers/daemon.js';

/** must calls the API and throws with the answer when the status is not 2xx. */
export async function must(d: Daemon | string, method: string, path: string, body?: unknown): Promise<any> {
  const r = await api(d, method, path, body, 60_000);
  if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  return r.body;
}

/** createService makes a DNS namespace (if needed) and a service with A + SRV records. */
export async function createService(d: Daemon | string, ns: string, svc: string): Promise<void> {
  const r = await api(d, 'PUT', `/v1/namespaces/${ns}`, { type: 'DNS' });
  if (r.status >= 300 && r.status !== 409) throw new Error(`PUT namespace ${ns}: ${r.status} ${JSON.stringify(r.body)}`);
  await must(d, 'PUT', `/v1/namespaces/${ns}/services/${svc}`, {});
}

/** instanceBody is the registration body for instance number i (a distinct address and port). */
export function instanceBody(i: number): { attributes: Record<string, string> } {
  return { attributes: { ipv4: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: String(1024 + (i % 60000)), zone: `z${i % 3}` } };
}

/**
 * registerMany registers instances [from, to) of a service on the given daemons
 * (round-robin), with `concurrency` requests in flight, and returns the elapsed ms.
 */
export async function registerMany(targets: (Daemon | string)[], ns: string, svc: string, from: number, to: number, concurrency = 64, prefix = 'i'): Promise<number> {
  const t0 = performance.now();
  await pool(to - from, concurrency, async (k) => {
    const i = from + k;
    await must(targets[i % targets.length], 'PUT', `/v1/namespaces/${ns}/services/${svc}/instances/${prefix}${i}`, instanceBody(i));
  });
  return performance.now() - t0;
}

/** digest reads GET /v1/state/digest of a daemon. */
export async function digest(d: Daemon | string): Promise<string> {
  return (await must(d, 'GET', '/v1/state/digest')).digest as string;
}

/** metricsText reads GET /v1/metrics as text. */
export async function metricsText(d: Daemon | string): Promise<string> {
  const r = await api(d, 'GET', '/v1/metrics');
  return typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
}

/** startCluster starts n daemons, all joining the first, and waits until every one lists n alive members. */
export async function startCluster(n: number, preset: string, namePrefix = 'n'): Promise<Daemon[]> {
  const first = await startDaemon({ name: `${namePrefix}1`, preset, logLevel: 'error' });
  const ds = [first];
  try {
    for (let i = 2; i <= n; i += 5) {
      const batch = [];
      for (let j = i; j < Math.min(i + 5, n + 1); j++) batch.push(startDaemon({ name: `${namePrefix}${j}`, preset, logLevel: 'error', join: [first.gossipAddr] }));
      ds.push(...(await Promise.all(batch)));
    }
    await waitFor(async () => {
      for (const d of ds) {
        const m = (await must(d, 'GET', '/v1/members')).members as { status: string }[];
        if (m.filter((x) => x.status === 'alive').length !== n) return false;
      }
      return true;
    }, `${n} daemons to see each other alive`, 60_000, 200);
    return ds;
  } catch (e) {
    for (const d of ds) d.cleanup();
    throw e;
  }
}

/** allDigestsEqual reads every daemon's state digest and says whether they are all the same. */
export async function allDigestsEqual(ds: (Daemon | string)[]): Promise<boolean> {
  const all = await Promise.all(ds.map((d) => digest(d).catch(() => `error-${Math.random()}`)));
  return all.every((x) => x === all[0]);
}

/**
 * Cloud Map API benchmark (issue 13). Two figures, each the median of 3 runs with
 * min/max and the 1-minute load average of every run (the machine is shared):
 *  1. DiscoverInstances requests/s through the Cloud Map API (POST / with X-Amz-Target)
 *     against GET /v1/discover on the same daemon and service: 1,000 instances,
 *     MaxResults 100, autocannon. Target: >= 0.8 of native. Runs alternate between the two.
 *  2. Replication visibility: time from the moment a RegisterInstance is sent to node 1
 *     of a 10-node cluster until DiscoverInstances on every node shows it (p50/p99).
 * Prints a table and writes bench/results/cloudmap-<date>.json (or --out FILE).
 * Usage: node dist/bench/cloudmap.js [--quick] [--out FILE]
 */
import autocannon from 'autocannon';
import os from 'node:os';
import { QUICK, figureOf, logger, round, writeResult, type Figure } from './lib/common.js';
import { createService, registerMany, startCluster, startDaemon, waitFor, type Daemon } from './lib/daemon.js';
import { summarize } from './lib/stats.js';

const log = logger('cloudmap');
const NS = 'bench.internal';
const SVC = 'big';
const INSTANCES = 1000;
const RUNS = 3;
const DURATION_S = QUICK ? 1 : 5;
const CONNECTIONS = 20;
const TARGET_RATIO = 0.8;
const CLUSTER_N = QUICK ? 3 : 10;
const SAMPLES = QUICK ? 5 : 30;
const TARGET = 'Route53AutoNaming_v20170314.';
const HEADERS = { 'content-type': 'application/x-amz-json-1.1' };

async function cm(d: Daemon, op: string, body: unknown): Promise<any> {
  const r = await fetch(`${d.httpUrl}/`, { method: 'POST', headers: { ...HEADERS, 'x-amz-target': TARGET + op }, body: JSON.stringify(body) });
  const json = await r.json();
  if (r.status !== 200) throw new Error(`${op}: ${r.status} ${JSON.stringify(json).slice(0, 300)}`);
  return json;
}

async function rps(opts: autocannon.Options): Promise<{ rps: number; p99Ms: number; errors: number }> {
  const r = await autocannon({ connections: CONNECTIONS, duration: DURATION_S, pipelining: 1, ...opts });
  return { rps: r.requests.average, p99Ms: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx };
}

async function throughput(): Promise<{ figure: Figure; runs: Record<string, unknown>[] }> {
  const d = await startDaemon({ name: 'cm1', preset: 'local', logLevel: 'error' });
  try {
    await createService(d, NS, SVC);
    await registerMany([d], NS, SVC, 0, INSTANCES, 32);
    const native: autocannon.Options = { url: `${d.httpUrl}/v1/discover/${NS}/${SVC}?max=100` };
    const cloudMap: autocannon.Options = {
      url: `${d.httpUrl}/`,
      method: 'POST',
      headers: { ...HEADERS, 'x-amz-target': `${TARGET}DiscoverInstances` },
      body: JSON.stringify({ NamespaceName: NS, ServiceName: SVC, MaxResults: 100, HealthStatus: 'HEALTHY' }),
    };
    const sample = await cm(d, 'DiscoverInstances', { NamespaceName: NS, ServiceName: SVC, MaxResults: 100 });
    if (sample.Instances.length !== 100) throw new Error(`DiscoverInstances gave ${sample.Instances.length} instances`);
    await rps({ ...native, duration: 1 });
    await rps({ ...cloudMap, duration: 1 });
    const runs: Record<string, unknown>[] = [];
    for (let r = 0; r < RUNS; r++) {
      const load1 = os.loadavg()[0]!;
      const n = await rps(native);
      const c = await rps(cloudMap);
      runs.push({ native: n, cloudMap: c, ratio: round(c.rps / n.rps), loadAvg1m: round(load1) });
      log(`run ${r + 1}/${RUNS}: Cloud Map ${Math.round(c.rps)} req/s, native ${Math.round(n.rps)} req/s, ratio ${round(c.rps / n.rps)}, load ${round(load1)}`);
    }
    const ratios = runs.map((x) => x.ratio as number);
    const nat = figureOf('', '', 'req/s', runs.map((x) => (x.native as { rps: number }).rps));
    const ratio = figureOf('', '', '', ratios).median;
    const figure = figureOf('cloudmap.discover1000.rps', 'Cloud Map DiscoverInstances, 1,000 instances, MaxResults 100: requests/s', 'req/s', runs.map((x) => (x.cloudMap as { rps: number }).rps), {
      n: INSTANCES,
      command: `autocannon -c ${CONNECTIONS} -d ${DURATION_S} POST / DiscoverInstances vs GET /v1/discover/${NS}/${SVC}?max=100`,
      better: 'higher',
      baseline: { name: 'GET /v1/discover (native)', value: nat.median, min: nat.min, max: nat.max, runs: nat.runs },
      ratio,
      target: `>= ${TARGET_RATIO} of native`,
      met: ratio >= TARGET_RATIO,
    });
    return { figure, runs };
  } finally {
    await d.stop();
    d.cleanup();
  }
}

/** visibleEverywhere polls DiscoverInstances on every node until each shows the instance; it resolves with the ms since t0. */
async function visibleEverywhere(ds: Daemon[], id: string, t0: number): Promise<number> {
  // A filter on the sample's own attribute keeps each poll's answer small (the poll loop must not load the machine).
  const body = { NamespaceName: 'vis.example', ServiceName: 'api', HealthStatus: 'ALL', QueryParameters: { sample: id } };
  const seen = await Promise.all(
    ds.map(async (d) => {
      const deadline = t0 + 30_000;
      for (;;) {
        const r = await cm(d, 'DiscoverInstances', body);
        if ((r.Instances as { InstanceId: string }[]).some((i) => i.InstanceId === id)) return performance.now() - t0;
        if (performance.now() > deadline) throw new Error(`${id} not visible on ${d.name} after 30 s`);
      }
    }),
  );
  return Math.max(...seen);
}

async function visibility(): Promise<{ p50: Figure; p99: Figure; runs: Record<string, unknown>[] }> {
  const ds = await startCluster(CLUSTER_N, 'lan', 'v');
  try {
    const op = await cm(ds[0]!, 'CreateHttpNamespace', { Name: 'vis.example' });
    const nsId = (await cm(ds[0]!, 'GetOperation', { OperationId: op.OperationId })).Operation.Targets.NAMESPACE;
    const svcId = (await cm(ds[0]!, 'CreateService', { Name: 'api', NamespaceId: nsId })).Service.Id;
    await waitFor(async () => (await Promise.all(ds.map((d) => cm(d, 'GetService', { Id: svcId }).then(() => true, () => false)))).every(Boolean), 'service on every node', 30_000);
    const runs: Record<string, unknown>[] = [];
    for (let r = 0; r < RUNS; r++) {
      const load1 = os.loadavg()[0]!;
      const ms: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        const id = `r${r}-${i}`;
        const t0 = performance.now();
        const sent = cm(ds[0]!, 'RegisterInstance', { ServiceId: svcId, InstanceId: id, Attributes: { AWS_INSTANCE_IPV4: '10.0.0.1', sample: id } });
        const [t] = await Promise.all([visibleEverywhere(ds, id, t0), sent]);
        ms.push(t);
      }
      const s = summarize(ms);
      runs.push({ p50Ms: round(s.p50), p99Ms: round(s.p99), maxMs: round(s.max), samples: ms.length, loadAvg1m: round(load1) });
      log(`run ${r + 1}/${RUNS}: visible on all ${CLUSTER_N} nodes p50 ${round(s.p50)} ms, p99 ${round(s.p99)} ms, load ${round(load1)}`);
    }
    const extra = { n: CLUSTER_N, better: 'lower' as const, command: `RegisterInstance on node 1, DiscoverInstances polled on all ${CLUSTER_N} nodes, ${SAMPLES} samples per run` };
    return {
      p50: figureOf('cloudmap.visible.p50', `Cloud Map RegisterInstance visible on all ${CLUSTER_N} nodes: p50`, 'ms', runs.map((x) => x.p50Ms as number), extra),
      p99: figureOf('cloudmap.visible.p99', `Cloud Map RegisterInstance visible on all ${CLUSTER_N} nodes: p99`, 'ms', runs.map((x) => x.p99Ms as number), extra),
      runs,
    };
  } finally {
    await Promise.all(ds.map(async (d) => {
      await d.stop().catch(() => undefined);
      d.cleanup();
    }));
  }
}

async function main(): Promise<void> {
  const t = await throughput();
  const v = await visibility();
  const figures = [t.figure, v.p50, v.p99];
  const rows = figures.map((f) => [f.label, `${f.value} ${f.unit}`, `${f.min} – ${f.max}`, f.ratio !== undefined ? `${f.ratio} of native (target ${f.target})` : '']);
  console.log(['figure (median of 3 runs)', 'median', 'min – max', 'vs native'].join(' | '));
  for (const r of rows) console.log(r.join(' | '));
  console.log(`load average (1 min) per run: throughput ${t.runs.map((x) => x.loadAvg1m).join(', ')}; visibility ${v.runs.map((x) => x.loadAvg1m).join(', ')}`);
  writeResult('cloudmap', { figures, throughput: t.runs, visibility: v.runs });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

/**
 * Writes bench/REPORT.md and its SVG charts from the merged results of one `npm run bench`
 * run. Every row carries how it was measured (command, N, runs, min/median/max), the
 * baseline from the same run and the ratio; targets are listed met or missed, each miss
 * with its reason (what the data and the profiles show).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Figure } from './common.js';
import { barChart, lineChart, type Series } from './svg.js';

type Json = any;

/** BenchRun is what the orchestrator keeps of one bench script's run. */
export interface BenchRun {
  name: string;
  command: string;
  status: 'ok' | 'failed' | 'skipped' | 'timeout';
  reason?: string;
  exitCode?: number | null;
  seconds?: number;
  loadavgBefore?: number[];
  loadavgAfter?: number[];
  result?: Json;
  figures: Figure[];
  outputTail?: string[];
}

/** Merged is bench/results/<date>.json. */
export interface Merged {
  machine: { cores: number; cpuModel: string; node: string; date: string; platform: string; totalMemMb: number };
  mode: 'full' | 'quick';
  command: string;
  tools: Record<string, string>;
  totalSeconds?: number;
  /** revision is the git commit the run was built from ("+dirty" with local changes). */
  revision?: string;
  benches: BenchRun[];
}

const SECTIONS: [string, string, string][] = [
  ['cluster', 'Convergence and failure detection (real processes, vs Serf)', 'Issue 6 items 1 and 2.'],
  ['soak', 'Soak: false positives with every core busy', 'Issue 6 item 2.'],
  ['dns', 'DNS (dnsperf, vs NSD)', 'Issue 6 item 3.'],
  ['http', 'HTTP discovery (autocannon, vs a bare node:http server)', 'Issue 6 item 4.'],
  ['single-node', 'Single node (issue 2 figures)', 'Durable writes, discovery, memory, start-up on one daemon.'],
  ['write', 'Write path across a cluster', 'Issue 6 item 5.'],
  ['scale', 'Scale: memory, start-up, full state transfer, event-loop delay', 'Issue 6 item 6.'],
  ['sim', 'Internet scale, by simulation', 'Issue 6 item 7: the real gossip engine on the seeded simulator.'],
  ['health', 'Health checks', 'Issue 4 figures.'],
];

/**
 * WHY explains misses by figure-id prefix: what the profile or the data says, so the
 * report gives the reason next to the number. Dynamic detail (profile tops) is appended.
 */
const WHY: [string, string][] = [
  ['http.', 'A fixed-body server does nothing per request but write; the daemon routes, parses the query, runs discovery and copies pre-encoded instance entries into the answer, in a bigger process (gossip timers, LevelDB, metrics) with more GC. The `node --cpu-prof` pass below shows where the daemon\'s samples go: entries under dist/src are Grapevine code, the rest is Node\'s HTTP stack, kernel writes (writev), GC and idle time. Both servers share 2 cores with the load generator. With max=1000 the body is assembled per request from per-instance encoded pieces, because every answer is shuffled: that copy is the top Grapevine entry of its profile.'],
  ['discover', 'Same case as the HTTP discovery rows below (bench/http.ts), which carry the profile.'],
  ['registrations', 'Durable writes: each acknowledgement waits for LevelDB to sync the batch to disk.'],
  ['scale.bytesPerInstance', 'RSS growth includes V8 heap headroom and garbage from the write path (the after-restart row has less of it), LevelDB memtable and block cache, and several JS objects per instance (record, attributes, version, health record, per-service views). A compact per-instance representation and a bounded LevelDB cache are needed to get under 1 KB.'],
  ['scale.lag', 'Some event-loop turns of the daemon exceed 20 ms while it applies writes or transfer chunks; the figure includes the 10 ms sampling interval of prom-client\'s monitor, and the daemons share 2 cores with the bench. Smaller chunks with a yield between them (setImmediate) bound the turns.'],
  ['scale.rss.idle', 'Idle RSS is Node itself (~40 MB) plus LevelDB, pino, prom-client and ws.'],
  ['cluster.convergence', 'All daemons and the bench share 2 cores: at larger N a push waits for busy processes to be scheduled.'],
  ['cluster.failure', 'Detection time follows the preset (probe interval, suspicion timeout scaled by log N); with every daemon on 2 cores, probes are late.'],
  ['dns.', 'One Node thread answering UDP (a syscall per datagram, JS per query) against NSD\'s C server; dnsperf shares the cores.'],
  ['soak.', 'A member was declared dead while its process was alive: under CPU starvation a probe answer came later than the suspicion timeout (see deadEvents in the results JSON).'],
  ['write.', 'The cluster is limited by the durable write on the owner plus pushes to fanout peers, with 10 daemons on 2 cores.'],
];

function fmt(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en');
  if (a >= 10) return String(Math.round(v * 10) / 10);
  return String(Math.round(v * 100) / 100);
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function figureTable(fs: Figure[], benchCommand: string): string[] {
  const rows = ['| Figure | Value | min / median / max | runs | N | Baseline (same run) | Ratio | Target | How measured |', '|---|---:|---|---:|---|---|---|---|---|'];
  for (const f of fs) {
    if (!Number.isFinite(f.value) && f.note) {
      rows.push(`| ${cell(f.label)} | – | | | | | | | ${cell(f.note)} |`);
      continue;
    }
    const base = f.baseline ? `${cell(f.baseline.name)}: ${fmt(f.baseline.value)} ${f.unit}${f.baseline.min !== undefined ? ` (${fmt(f.baseline.min)}–${fmt(f.baseline.max)})` : ''}` : '';
    const ratio = f.ratio !== undefined ? `${fmt(f.ratio)}${f.ratioNote ? ` ${f.ratioNote}` : f.baseline ? ' of baseline' : ''}` : '';
    const target = f.target ? `${cell(f.target)} ${f.met === undefined ? '' : f.met ? '✅' : '❌'}` : '';
    const how = [f.command ?? `\`${benchCommand}\``, f.note].filter(Boolean).join('; ');
    rows.push(`| ${cell(f.label)} | **${fmt(f.value)}** ${f.unit} | ${fmt(f.min)} / ${fmt(f.median)} / ${fmt(f.max)} | ${f.runs} | ${f.n ?? ''} | ${base} | ${ratio} | ${target} | ${cell(how ?? '')} |`);
  }
  return rows;
}

function why(f: Figure, runs: BenchRun[]): string {
  const hit = WHY.find(([p]) => f.id.startsWith(p));
  let s = hit ? hit[1] : 'No analysis recorded.';
  if (f.id.startsWith('scale.lag.transfer')) {
    const tp = runs.find((r) => r.name === 'scale')?.result?.transferProfile as { top: { fn: string; selfPct: number }[] } | undefined;
    if (tp?.top?.length) s += ` Receiver profile: ${tp.top.slice(0, 6).map((t) => `${t.fn} ${t.selfPct}%`).join(', ')}.`;
  }
  if (f.id.startsWith('http.')) {
    const prof = runs.find((r) => r.name === 'http')?.result?.profiles as Record<string, { fn: string; selfPct: number }[]> | undefined;
    const top = prof?.[f.id.split('.')[1]];
    if (top) s += ` Profile of this case: ${top.slice(0, 6).map((t) => `${t.fn} ${t.selfPct}%`).join(', ')}.`;
  }
  return s;
}

function chartsFor(m: Merged, dir: string, rel: string): string[] {
  mkdirSync(dir, { recursive: true });
  const out: string[] = [];
  const get = (n: string) => m.benches.find((b) => b.name === n && b.result)?.result;
  const save = (file: string, title: string, svg: string) => {
    writeFileSync(path.join(dir, file), svg + '\n');
    out.push(`![${title}](${rel}/${file})`);
  };
  const cl = get('cluster');
  if (cl?.rows) {
    const pick = (f: (r: Json) => number | undefined) => (cl.rows as Json[]).map((r) => [r.n, f(r)] as [number, number | undefined]).filter((p): p is [number, number] => p[1] !== undefined && p[1] > 0);
    const series: Series[] = [
      { name: 'Grapevine p50', points: pick((r) => (r.grapevine?.fromAck?.n ? r.grapevine.fromAck.p50 : undefined)) },
      { name: 'Grapevine p99', points: pick((r) => (r.grapevine?.fromAck?.n ? r.grapevine.fromAck.p99 : undefined)) },
      { name: 'Serf p50', points: pick((r) => (r.serf?.event?.n ? r.serf.event.p50 : undefined)) },
      { name: 'Serf p99', points: pick((r) => (r.serf?.event?.n ? r.serf.event.p99 : undefined)) },
    ].filter((s) => s.points.length);
    if (series.length) save('convergence.svg', 'Convergence time vs cluster size', lineChart({ title: 'Convergence: change on one node until all N show it', xLabel: 'cluster size N', yLabel: 'ms', series, logX: true, logY: true }));
    const bars = (cl.rows as Json[]).flatMap((r) => [
      ...(r.grapevine?.failureDetectionMs ? [{ label: `GV N=${r.n}`, value: r.grapevine.failureDetectionMs, group: 0 }] : []),
      ...(r.serf?.failureDetectionMs ? [{ label: `Serf N=${r.n}`, value: r.serf.failureDetectionMs, group: 1 }] : []),
    ]);
    if (bars.length) save('failure-detection.svg', 'Failure detection', barChart({ title: 'Failure detection after kill -9 (ms)', yLabel: 'ms', bars }));
  }
  const dns = get('dns');
  if (dns?.median?.grapevine) {
    const bars = [{ label: 'Grapevine', value: dns.median.grapevine.qps, group: 0 }, ...(dns.median.nsd ? [{ label: 'NSD', value: dns.median.nsd.qps, group: 1 }] : []), ...(dns.median.nodeEcho ? [{ label: 'Node UDP echo', value: dns.median.nodeEcho.qps, group: 2 }] : [])];
    save('dns-qps.svg', 'DNS queries per second', barChart({ title: `DNS qps, ${dns.tool} (median of ${dns.runs} runs)`, yLabel: 'queries/s', bars }));
  }
  const http = get('http');
  if (http?.figures) {
    const bars = (http.figures as Figure[]).filter((f) => f.id.endsWith('.rps')).flatMap((f) => [
      { label: `GV ${f.id.split('.')[1].replace('discover', '')}`, value: f.median, group: 0 },
      { label: `node ${f.id.split('.')[1].replace('discover', '')}`, value: f.baseline?.value ?? 0, group: 1 },
    ]);
    if (bars.length) save('http-rps.svg', 'HTTP discovery requests per second', barChart({ title: 'HTTP discovery req/s: Grapevine (GV) vs bare node:http, by instances', yLabel: 'req/s', bars }));
  }
  const series: Series[] = [];
  const sc = get('scale');
  if (sc?.memoryCurve) series.push({ name: 'scale: after HTTP registration', points: sc.memoryCurve });
  if (sc?.memory?.restartMb?.length) series.push({ name: 'scale: after restart', points: [[0, sc.memory.idleMb], [sc.instances, [...sc.memory.restartMb].sort((a: number, b: number) => a - b)[Math.floor((sc.memory.restartMb.length - 1) / 2)]]] });
  const sn = get('single-node');
  if (sn?.figures) {
    const f0 = (sn.figures as Figure[]).find((f) => f.id === 'rss0');
    const fb = (sn.figures as Figure[]).find((f) => f.id === 'rssBig');
    if (f0 && fb) series.push({ name: 'single-node bench', points: [[0, f0.median], [Number(fb.n), fb.median]] });
  }
  if (series.length) save('memory.svg', 'Memory vs instance count', lineChart({ title: 'Daemon RSS vs instances stored', xLabel: 'instances', yLabel: 'MB', series }));
  const sim = get('sim');
  if (sim?.rows?.length) {
    save('sim.svg', 'Simulated convergence vs log N', lineChart({ title: 'Simulation: rounds and simulated ms until all nodes hold a write', xLabel: 'nodes', yLabel: 'rounds / ms', logX: true, series: [{ name: 'rounds', points: (sim.rows as Json[]).filter((r) => !r.loss).map((r) => [r.nodes, r.rounds]) }, { name: 'simulated ms to all', points: (sim.rows as Json[]).filter((r) => !r.loss).map((r) => [r.nodes, r.msAll]) }, { name: 'rounds, lossy network', points: (sim.rows as Json[]).filter((r) => r.loss).map((r) => [r.nodes, r.rounds]) }].filter((x) => x.points.length) as Series[] }));
  }
  return out;
}

/** writeReport writes the markdown report and the charts; it returns the report's path. */
export function writeReport(m: Merged, file: string, chartDir: string): string {
  const rel = path.relative(path.dirname(file), chartDir);
  const charts = chartsFor(m, chartDir, rel);
  const all = m.benches.flatMap((b) => b.figures);
  const L: string[] = [];
  L.push('# Grapevine benchmark report', '');
  L.push(`**Machine:** ${m.machine.cores} cores (${m.machine.cpuModel}), **Node ${m.machine.node}**, ${m.machine.platform}, ${Math.round(m.machine.totalMemMb / 1024)} GB RAM.  `);
  L.push(`**Run:** ${m.machine.date}, mode ${m.mode}, \`${m.command}\`${m.revision ? ` at ${m.revision}` : ''}${m.totalSeconds ? `, ${Math.round(m.totalSeconds)} s in all` : ''}.  `);
  L.push(`**Baselines:** ${Object.entries(m.tools).map(([k, v]) => `${k}: ${v}`).join('; ')}.`, '');
  L.push('Value is the median of the runs unless the row says otherwise. Every process runs on 127.0.0.1 of this one machine, load generators included, so client and servers share the cores. Ratios compare with the baseline measured in the same run at the same settings. The load average before each bench is in the run log at the end: other work on the machine makes figures worse, never better.', '');
  L.push('## Targets', '');
  const targeted = all.filter((f) => f.target && f.met !== undefined);
  if (!targeted.length) L.push('No targeted figure was measured in this run.');
  for (const f of targeted) {
    L.push(`- ${f.met ? '✅ met' : '❌ missed'}: ${f.label} — **${fmt(f.value)} ${f.unit}**${f.ratio !== undefined ? ` (${fmt(f.ratio)}${f.ratioNote ? ` ${f.ratioNote}` : ' of baseline'})` : ''}, target ${f.target}.${f.met ? '' : ` *Why:* ${why(f, m.benches)}`}`);
  }
  for (const b of m.benches.filter((x) => x.status !== 'ok')) L.push(`- ⚠️ ${b.name}: ${b.status}${b.reason ? ` — ${b.reason}` : ''}`);
  L.push('');
  if (charts.length) L.push('## Charts', '', ...charts.map((c) => `${c}\n`), '');
  for (const [name, title, blurb] of SECTIONS) {
    const b = m.benches.find((x) => x.name === name);
    if (!b) continue;
    L.push(`## ${title}`, '', `${blurb} Command: \`${b.command}\`${b.seconds ? ` (${Math.round(b.seconds)} s)` : ''}.`, '');
    if (b.status !== 'ok') L.push(`**${b.status}**${b.reason ? `: ${b.reason}` : ''}`, '');
    if (b.figures.length) L.push(...figureTable(b.figures, b.command), '');
    if (name === 'scale' && b.result?.transferProfile?.top?.length) {
      const tp = b.result.transferProfile as { receiverMs: number; top: { fn: string; selfPct: number }[] };
      L.push(`CPU profile of a receiving daemon during one more full transfer (\`node --cpu-prof\`, ${fmt(tp.receiverMs)} ms from spawn to equal digests, start-up included), top self time: ${tp.top.slice(0, 10).map((t) => `\`${t.fn}\` ${t.selfPct}%`).join(', ')}.`, '');
    }
    if (name === 'http' && b.result?.profiles) {
      for (const [k, top] of Object.entries(b.result.profiles as Record<string, { fn: string; selfPct: number }[]>)) {
        L.push(`CPU profile of the daemon under load (\`node --cpu-prof\`, ${k}), top self time: ${top.slice(0, 10).map((t) => `\`${t.fn}\` ${t.selfPct}%`).join(', ')}.`, '');
      }
    }
  }
  L.push('## Run log', '', '| Bench | Command | Status | Seconds | Load avg before → after |', '|---|---|---|---:|---|');
  for (const b of m.benches) L.push(`| ${b.name} | \`${b.command}\` | ${b.status}${b.reason ? `: ${cell(b.reason.slice(0, 200))}` : ''} | ${fmt(b.seconds)} | ${b.loadavgBefore?.map((x) => x.toFixed(1)).join(' ') ?? ''} → ${b.loadavgAfter?.map((x) => x.toFixed(1)).join(' ') ?? ''} |`);
  L.push('', `Raw figures: \`bench/results/${m.machine.date.slice(0, 10)}${m.mode === 'quick' ? '-quick' : ''}.json\`. Reproduce with \`${m.command}\`.`, '');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, L.join('\n'));
  return file;
}

/**
 * readmeSection is the README's "## Performance" section drawn from a full run: the
 * headline figures with their baselines and targets, and the command to reproduce.
 */
export function readmeSection(m: Merged): string {
  const all = m.benches.flatMap((b) => b.figures);
  const pick = (...prefixes: string[]) => all.filter((f) => prefixes.some((p) => f.id.startsWith(p)) && Number.isFinite(f.value));
  const rows = pick('cluster.convergence', 'cluster.failure', 'soak.falsePositives', 'dns.qps', 'http.', 'registrations', 'write.cluster.absorbed', 'scale.rss.idle', 'scale.bytesPerInstance', 'scale.startup', 'scale.transfer', 'scale.lag', 'sim.rounds', 'health.')
    .filter((f) => !f.id.endsWith('.p99') || f.id.startsWith('scale'));
  const L: string[] = ['## Performance', ''];
  L.push(`Measured by \`${m.command}\` on ${m.machine.cores} cores (${m.machine.cpuModel}), Node ${m.machine.node}, ${m.machine.date.slice(0, 10)}${m.revision ? ` at ${m.revision}` : ''}; every process on 127.0.0.1 of that one machine, baselines run side by side in the same run. Full tables, charts and how each figure was taken: [bench/REPORT.md](bench/REPORT.md).`, '');
  L.push('| Figure | Grapevine | Baseline | Ratio | Target |', '|---|---:|---|---|---|');
  for (const f of rows) {
    L.push(`| ${cell(f.label)} | ${fmt(f.value)} ${f.unit} | ${f.baseline ? `${cell(f.baseline.name)}: ${fmt(f.baseline.value)} ${f.unit}` : ''} | ${f.ratio !== undefined ? `${fmt(f.ratio)}${f.ratioNote ? ` ${f.ratioNote}` : ' of baseline'}` : ''} | ${f.target ? `${cell(f.target)} ${f.met === undefined ? '' : f.met ? '✅' : '❌'}` : ''} |`);
  }
  L.push('', 'Reproduce with `npm run bench` (20 to 30 minutes; it installs serf, nsd and dnsperf with apt-get when run as root, else reports them skipped), or `npm run bench -- --quick` for a reduced set in about two minutes.', '');
  return L.join('\n');
}

/**
 * Prints issue 11's goals table in Markdown from bench/cluster.ts summaries (each
 * figure: median over runs, min, max, runs, the runs' load averages and CPU probes,
 * noisy runs counted) and bench/sim.ts result files.
 * Usage: node dist/bench/goals.js bench/results/cluster-...-summary.json [more summaries...] [--sim file.json ...]
 */
import { readFileSync } from 'node:fs';
import type { Figure } from './lib/common.js';
import { summarize } from './lib/stats.js';

const args = process.argv.slice(2);
const simAt = args.indexOf('--sim');
const clusterFiles = simAt >= 0 ? args.slice(0, simAt) : args;
const simFiles = simAt >= 0 ? args.slice(simAt + 1) : [];

const f = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : Math.abs(v) >= 100 ? String(Math.round(v)) : v.toFixed(1));
const lines: string[] = [];
lines.push('| Goal | N | Grapevine median [min..max] | runs | Serf (same run) median [min..max] | ratio | target | load avg / CPU free per run |');
lines.push('|---|---:|---|---:|---|---|---|---|');
for (const file of clusterFiles) {
  const j = JSON.parse(readFileSync(file, 'utf8')) as { figures: Figure[]; command: string };
  for (const x of j.figures) {
    if (x.runs === 0) continue;
    const b = x.baseline;
    const cond = /load avg ([^;]+); CPU free ([^;]+); (\d+) of (\d+)/.exec(x.note ?? '');
    const condText = cond ? `${cond[1]} / ${cond[2]}${Number(cond[3]) > 0 ? ` (**${cond[3]} noisy**)` : ''}` : '';
    lines.push(`| ${x.label.replace(/ \(N = \d+\)$/, '')} | ${x.n ?? ''} | ${f(x.median)} ${x.unit} [${f(x.min)}..${f(x.max)}] | ${x.runs} | ${b ? `${f(b.value)} [${f(b.min)}..${f(b.max)}]` : ''} | ${x.ratio !== undefined ? `${x.ratio}x` : ''} | ${x.target ?? ''} | ${condText} |`);
  }
}
if (simFiles.length > 0) {
  type Row = { nodes: number; view: number | string; rounds: number; msAll: number; writeMsgsPerNode: number; writeBytesPerNode: number; loss: number; seed?: number };
  const rows: Row[] = simFiles.flatMap((p) => (JSON.parse(readFileSync(p, 'utf8')) as { rows: Row[] }).rows).filter((r) => r.loss === 0);
  const groups = new Map<string, Row[]>();
  const seen = new Set<string>();
  for (const r of rows) {
    const k = `${r.nodes}|${r.view}`;
    const once = `${k}|${r.seed ?? 42}`; // files before --seeds ran seed 42 only
    if (seen.has(once)) continue;
    seen.add(once);
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  lines.push('');
  lines.push('| Simulation (lan preset, shared driver) | nodes | view | rounds to all, median [min..max] | simulated ms to all | frames per node | bytes per node | seeds |');
  lines.push('|---|---:|---|---|---|---:|---:|---:|');
  for (const [k, rs] of [...groups.entries()].sort((a, b) => Number(a[0].split('|')[0]) - Number(b[0].split('|')[0]))) {
    const [nodes, view] = k.split('|');
    const r = summarize(rs.map((x) => x.rounds));
    const t = summarize(rs.map((x) => x.msAll));
    lines.push(`| one write until every node holds it | ${nodes} | ${view === 'full' ? 'full' : `partial (${view})`} | ${r.p50} [${r.min}..${r.max}] | ${f(t.p50)} [${f(t.min)}..${f(t.max)}] | ${f(summarize(rs.map((x) => x.writeMsgsPerNode)).p50)} | ${Math.round(summarize(rs.map((x) => x.writeBytesPerNode)).p50)} | ${rs.length} |`);
  }
}
process.stdout.write(lines.join('\n') + '\n');

/**
 * The cluster benchmark's summary: per-run records (one file each in bench/results)
 * become figures, each the median over the runs with min and max, the runs' load
 * averages and CPU probes, and how many runs were noisy. `node dist/bench/cluster/summary.js
 * run-files...` rebuilds a summary from kept run files (e.g. of a run cut short).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { figureOf, type Figure } from '../lib/common.js';
import { NOISY_BELOW, type Conditions } from '../lib/conditions.js';
import { summarize } from '../lib/stats.js';

/** RunRecord is everything one run of one N measured; it is written to its own file. */
export interface RunRecord {
  n: number;
  run: number;
  conditions: Conditions;
  /** conditionsSerf is the probe taken again right before the Serf side. */
  conditionsSerf?: Conditions;
  grapevine?: Record<string, number | string | object>;
  serf?: Record<string, number | string | object>;
  errors: string[];
}

/** SummaryOptions are the settings the runs were taken with (they label the figures). */
export interface SummaryOptions {
  sizes: number[];
  command: string;
  serfProfile: string;
  idleS: number;
  loadS: number;
  loadRate: number;
  burstRate: number;
  preset: string;
  gossipOverrides: string;
  wantDetect: boolean;
}

function get(o: unknown, path: string): number {
  let v: unknown = o;
  for (const p of path.split('.')) v = (v as Record<string, unknown> | undefined)?.[p];
  return typeof v === 'number' ? v : NaN;
}

/** summaryFigures turns the run records into figures: the median over runs of each per-run value, with min, max and the runs' conditions. */
export function summaryFigures(records: RunRecord[], o: SummaryOptions): Figure[] {
  const { sizes, command, serfProfile, idleS, loadS, loadRate, burstRate, preset, gossipOverrides, wantDetect } = o;
  const out: Figure[] = [];
  for (const n of sizes) {
    const rs = records.filter((r) => r.n === n);
    const noisy = rs.filter((r) => r.conditions.noisy || r.conditionsSerf?.noisy).length;
    const loads = rs.map((r) => r.conditions.loadAvg1m.toFixed(2)).join(', ');
    const free = rs.map((r) => r.conditions.cpuFree.toFixed(2)).join(', ');
    const note = `runs' load avg ${loads}; CPU free ${free}; ${noisy} of ${rs.length} run(s) noisy (< ${NOISY_BELOW * 100}% of a core free)`;
    const fig = (id: string, lbl: string, unit: string, side: 'grapevine' | 'serf', path: string, extra: Partial<Figure> = {}) => {
      const vals = rs.map((r) => get(r[side], path)).filter((v) => Number.isFinite(v));
      out.push(figureOf(`cluster.${id}.${n}`, `${lbl} (N = ${n})`, unit, vals, { n, command, note, better: 'lower', ...extra }));
    };
    const base = (path: string) => {
      const s = summarize(rs.map((r) => get(r.serf, path)).filter((v) => Number.isFinite(v)));
      return s.n ? { name: `Serf ${serfProfile}`, value: s.p50, min: s.min, max: s.max, runs: s.n } : undefined;
    };
    const withBase = (path: string, target?: string) => {
      const b = base(path);
      return b ? { baseline: b, ...(target ? { target } : {}) } : target ? { target } : {};
    };
    fig('fullView', 'Full view formed, from the last daemon ready', 'ms', 'grapevine', 'fullViewMs', { target: '< 10000 ms' });
    fig('idleCpu', `Idle CPU of all ${n} daemons`, '% of a core', 'grapevine', 'idle.cpuCorePctAll', withBase('idle.cpuCorePctAll', '<= Serf'));
    fig('idleBytes', 'Gossip bytes per node per second, idle', 'B/s', 'grapevine', 'idle.bytesPerNodePerSec', { note: `${note}; Serf's figure is write-syscall bytes (/proc/PID/io): ${JSON.stringify(base('idle.writeBytesPerNodePerSec') ?? null)}` });
    fig('idleFalseDeaths', `False deaths, idle ${idleS} s`, 'deaths', 'grapevine', 'idle.falseDeaths', { target: '0' });
    fig('convP50', 'Convergence p50 from the PUT\'s send to every node\'s blocking query', 'ms', 'grapevine', 'convergence.fromSendP50Ms', withBase('event.fromSendP50Ms', '>= 10x faster than Serf'));
    fig('convP99', 'Convergence p99 from send', 'ms', 'grapevine', 'convergence.fromSendP99Ms', withBase('event.fromSendP99Ms', n === 100 ? '< 100 ms' : undefined));
    fig('convAckP50', 'Convergence p50 from the PUT\'s acknowledgement (labelled: ack-relative)', 'ms', 'grapevine', 'convergence.fromAckP50Ms');
    fig('soakFalseDeaths', `False deaths during ${loadS} s at ${loadRate} registrations/s`, 'deaths', 'grapevine', 'soak.falseDeaths', { target: '0' });
    fig('soakSuspicions', `Suspicions during ${loadS} s at ${loadRate} registrations/s`, 'suspicions', 'grapevine', 'soak.suspicions');
    fig('soakAckP50', `PUT acknowledgement p50 at ${loadRate}/s`, 'ms', 'grapevine', 'soak.ackP50Ms');
    fig('soakLag', `Event-loop delay p99, worst 1 s window of 3 nodes at ${loadRate}/s`, 'ms', 'grapevine', 'soak.lagP99WorstMs', { target: '< 20 ms' });
    fig('digestsEqual', 'All digests equal after the load stops', 'ms', 'grapevine', 'soak.digestsEqualAfterMs', { target: '< 2000 ms' });
    fig('cpuPerRecord', `CPU per remote record applied at ${burstRate} writes/s (receivers' CPU above idle / remote applies)`, 'µs', 'grapevine', 'burst.cpuPerRemoteRecordUs', { target: '<= 50 µs' });
    fig('burstBytes', `Gossip bytes per node per second at ${burstRate} writes/s`, 'B/s', 'grapevine', 'burst.bytesPerNodePerSec');
    if (wantDetect) fig('frozen', `Frozen-node (SIGSTOP) detection by every other node, preset ${preset}${gossipOverrides ? ` + ${gossipOverrides}` : ''}`, 'ms', 'grapevine', 'frozenDetectionMs', withBase('frozenDetectionMs', n === 50 ? '< 2000 ms' : undefined));
  }
  for (const f of out) if (f.baseline && f.value > 0) f.ratio = Math.round((f.baseline.value / f.value) * 100) / 100;
  for (const f of out) if (f.ratio !== undefined) f.ratioNote = 'Serf / Grapevine (> 1: Grapevine lower)';
  return out;
}


// Rebuild a summary from run files: node dist/bench/cluster/summary.js OUT.json run1.json run2.json ...
if (process.argv[1]?.endsWith('summary.js') && process.argv.length > 3) {
  const [out, ...files] = process.argv.slice(2);
  const runs = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as RunRecord & { command: string; serfProfile: string; preset: string; gossipOverrides: string | null });
  const first = runs[0]!;
  const argOf = (flag: string, d: number) => {
    const m = new RegExp(`--${flag} (\\S+)`).exec(first.command);
    return m ? Number(m[1]) : d;
  };
  const opts: SummaryOptions = {
    sizes: [...new Set(runs.map((r) => r.n))].sort((a, b) => a - b),
    command: first.command,
    serfProfile: first.serfProfile,
    idleS: argOf('idle-s', 20),
    loadS: argOf('load-s', 30),
    loadRate: argOf('load-rate', 50),
    burstRate: argOf('burst-rate', 100),
    preset: first.preset,
    gossipOverrides: first.gossipOverrides ?? '',
    wantDetect: !first.command.includes('--no-detect'),
  };
  const figures = summaryFigures(runs, opts);
  writeFileSync(out!, JSON.stringify({ bench: 'cluster', command: first.command, rebuiltFrom: files, figures }, null, 2) + '\n');
  process.stdout.write(`wrote ${out}\n`);
}

/**
 * Shared pieces of the benchmark scripts owned by the suite: the --quick flag, machine
 * facts, the result-file convention (bench/results/<name>-<date>.json, or --out FILE),
 * the Figure record every report row is built from, /proc readers, and a bounded
 * concurrency pool for loading a daemon through its HTTP API.
 */
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarize } from './stats.js';

/** ROOT is the repository root (the compiled file lives in dist/bench/lib). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** QUICK is true when the script was started with --quick (reduced sizes and runs). */
export const QUICK = process.argv.includes('--quick');

/** argValue returns the value after `--name` on the command line, or undefined. */
export function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** machine describes where the figures were taken: they mean nothing without it. */
export function machine(): { cores: number; cpuModel: string; node: string; date: string; platform: string; totalMemMb: number } {
  return {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    date: new Date().toISOString(),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    totalMemMb: Math.round(os.totalmem() / 2 ** 20),
  };
}

/**
 * Figure is one measured number as the report shows it: what, how (command, N, runs),
 * the spread over runs, and, when there is one, the baseline from the same run, the
 * ratio and the target. `better` says which direction is good, for the ratio's reading.
 */
export interface Figure {
  id: string;
  label: string;
  unit: string;
  value: number;
  runs: number;
  min: number;
  median: number;
  max: number;
  n?: number | string;
  command?: string;
  better?: 'higher' | 'lower';
  baseline?: { name: string; value: number; min?: number; max?: number; runs?: number };
  ratio?: number;
  /** ratioNote says how to read ratio (default: ours / baseline). */
  ratioNote?: string;
  target?: string;
  met?: boolean;
  note?: string;
}

/** figureOf builds a Figure from per-run values: value is their median. */
export function figureOf(id: string, label: string, unit: string, runs: number[], extra: Partial<Figure> = {}): Figure {
  const s = summarize(runs.filter((v) => Number.isFinite(v)));
  return { id, label, unit, value: round(s.p50), runs: s.n, min: round(s.min), median: round(s.p50), max: round(s.max), ...extra };
}

/** round keeps 3 significant decimals for readable JSON. */
export function round(v: number): number {
  if (!Number.isFinite(v)) return v;
  const a = Math.abs(v);
  return a >= 100 ? Math.round(v) : a >= 1 ? Math.round(v * 100) / 100 : Math.round(v * 10000) / 10000;
}

/** resultPath is where a bench writes its JSON: --out FILE, else bench/results/<name>-<date>.json. */
export function resultPath(name: string): string {
  return argValue('out') ?? path.join(ROOT, 'bench', 'results', `${name}-${new Date().toISOString().slice(0, 10)}.json`);
}

/** writeResult writes a bench's JSON result (with machine facts) and prints where. */
export function writeResult(name: string, data: Record<string, unknown>): string {
  const file = resultPath(name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ bench: name, quick: QUICK, machine: machine(), ...data }, null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
  return file;
}

/** rssBytes reads a process's resident set size from /proc/PID/status (VmRSS). */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** cpuSeconds reads a process's user+system CPU time from /proc/PID/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** promValue reads one unlabelled sample from Prometheus text exposition, or NaN. */
export function promValue(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})?\\s+(\\S+)`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

/** pool runs fn(i) for i in [0, n) with at most `concurrency` in flight; the first error stops it. */
export async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}

/** sleep waits ms milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** log prints a progress line prefixed with the bench name and elapsed seconds. */
export function logger(name: string): (msg: string) => void {
  const t0 = Date.now();
  return (msg) => console.log(`[${name} ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
}

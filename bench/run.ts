/**
 * `npm run bench` / `npm run bench -- --quick`: runs every bench script as its own child
 * process (`node dist/bench/<name>.js ...`), one after the other so that none disturbs
 * another's figures, streams their progress, collects each one's JSON result, merges
 * them into bench/results/<date>.json (quick: <date>-quick.json) with the machine's
 * facts, and writes bench/REPORT.md (quick: bench/REPORT-quick.md) with SVG charts.
 * Options: --quick, --only a,b, --skip a,b, --timeout-min M (per bench).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { figuresOf } from './lib/adapters.js';
import { QUICK, ROOT, argValue, machine } from './lib/common.js';
import { readmeSection, writeReport, type BenchRun, type Merged } from './lib/report.js';

interface Spec {
  name: string;
  full: string[];
  quick: string[] | null; // null: not part of the quick set
  /** out says the script takes --out FILE; otherwise its newest bench/results/<name>-*.json is read. */
  out: boolean;
  /** fullMin bounds the script's run in full mode, in minutes. */
  fullMin: number;
}

// Order: cheap single-process benches first, then clusters, then the long soak.
const SPECS: Spec[] = [
  { name: 'single-node', full: [], quick: null, out: true, fullMin: 10 },
  { name: 'http', full: [], quick: ['--quick'], out: true, fullMin: 6 },
  { name: 'dns', full: [], quick: ['--quick', '--seconds', '1', '--runs', '3'], out: true, fullMin: 8 },
  { name: 'scale', full: [], quick: ['--quick'], out: true, fullMin: 15 },
  { name: 'sim', full: [], quick: null, out: false, fullMin: 12 },
  { name: 'cluster', full: ['--sizes', '10,25,50,100', '--runs', '3'], quick: ['--sizes', '3', '--runs', '1', '--regs', '10', '--gap-ms', '50', '--idle-s', '3', '--load-s', '3', '--burst-s', '2'], out: false, fullMin: 45 },
  { name: 'write', full: [], quick: ['--quick'], out: true, fullMin: 6 },
  { name: 'health', full: [], quick: null, out: false, fullMin: 6 },
  { name: 'soak', full: [], quick: ['--quick'], out: true, fullMin: 8 },
];

function list(name: string): string[] | undefined {
  return argValue(name)?.split(',').map((s) => s.trim());
}

function toolVersion(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status === null) return 'not installed (the bench that needs it installs it with apt-get when root, else skips it)';
  return ((r.stdout || r.stderr).split('\n').find((l) => l.trim()) ?? 'present').trim().slice(0, 80);
}

function newestResult(name: string, since: number): string | undefined {
  const dir = path.join(ROOT, 'bench', 'results');
  if (!existsSync(dir)) return undefined;
  const re = new RegExp(`^${name}-\\d{4}-\\d\\d-\\d\\d.*\\.json$`);
  const files = readdirSync(dir)
    .filter((f) => re.test(f))
    .map((f) => ({ f: path.join(dir, f), t: statSync(path.join(dir, f)).mtimeMs }))
    .filter((x) => x.t >= since - 1000)
    .sort((a, b) => b.t - a.t);
  return files[0]?.f;
}

async function runOne(spec: Spec, tmp: string): Promise<BenchRun> {
  const script = path.join(ROOT, 'dist', 'bench', `${spec.name}.js`);
  const args = [...(QUICK ? spec.quick ?? [] : spec.full)];
  const outFile = path.join(tmp, `${spec.name}.json`);
  if (spec.out) args.push('--out', outFile);
  const shown = `node dist/bench/${spec.name}.js ${args.filter((a, i) => a !== '--out' && args[i - 1] !== '--out').join(' ')}`.trim();
  const run: BenchRun = { name: spec.name, command: shown, status: 'ok', figures: [] };
  if (!existsSync(script)) return { ...run, status: 'skipped', reason: `dist/bench/${spec.name}.js does not exist (bench/${spec.name}.ts not written yet)` };
  const limitMin = Number(argValue('timeout-min') ?? (QUICK ? 4 : spec.fullMin));
  console.log(`\n━━ ${spec.name}: ${shown}  (limit ${limitMin} min, load avg ${os.loadavg().map((x) => x.toFixed(1)).join(' ')})`);
  run.loadavgBefore = os.loadavg();
  const t0 = Date.now();
  const tail: string[] = [];
  // detached: the script gets its own process group, so a timeout can end it and every daemon it started.
  const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const onExit = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  process.on('exit', onExit);
  for (const s of [child.stdout!, child.stderr!]) {
    let rest = '';
    s.on('data', (d: Buffer) => {
      const lines = (rest + d.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) {
        console.log(`  ${spec.name} │ ${l}`);
        tail.push(l);
        if (tail.length > 40) tail.shift();
      }
    });
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    console.log(`  ${spec.name} │ ── over ${limitMin} min: stopping its process group`);
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      /* gone */
    }
    setTimeout(onExit, 5000).unref();
  }, limitMin * 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  onExit(); // whatever the script left behind in its group
  process.off('exit', onExit);
  run.exitCode = code;
  run.seconds = (Date.now() - t0) / 1000;
  run.loadavgAfter = os.loadavg();
  run.outputTail = tail.slice(-15);
  const file = spec.out ? (existsSync(outFile) ? outFile : undefined) : newestResult(spec.name, t0);
  if (file) {
    try {
      run.result = JSON.parse(readFileSync(file, 'utf8'));
      run.figures = figuresOf(spec.name, run.result);
    } catch (e) {
      run.reason = `result file unreadable: ${(e as Error).message}`;
    }
  }
  if (timedOut) run.status = 'timeout';
  else if (code !== 0) run.status = 'failed';
  if (run.status !== 'ok') {
    const last = tail.filter((l) => l.trim()).slice(-3).join(' / ');
    run.reason = `${timedOut ? `stopped after ${limitMin} min` : `exit code ${code}`}${run.result ? ' (partial result kept)' : ''}: ${last.slice(0, 400)}`;
  } else if (!run.result) {
    run.status = 'failed';
    run.reason = 'exited 0 but wrote no result file';
  }
  console.log(`━━ ${spec.name}: ${run.status} in ${run.seconds.toFixed(0)} s, ${run.figures.length} figures`);
  return run;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const only = list('only');
  const skip = list('skip') ?? [];
  const specs = SPECS.filter((s) => (only ? only.includes(s.name) : QUICK ? s.quick !== null : true) && !skip.includes(s.name));
  const m = machine();
  console.log(`Grapevine benchmarks (${QUICK ? 'quick' : 'full'}): ${specs.map((s) => s.name).join(', ')}`);
  console.log(`${m.cores} cores, ${m.cpuModel}, Node ${m.node}`);
  const tools = {
    serf: toolVersion('serf', ['version']),
    nsd: toolVersion('nsd', ['-v']),
    dnsperf: toolVersion('dnsperf', ['-h']).startsWith('not') ? toolVersion('dnsperf', ['-h']) : 'present',
    autocannon: 'npm devDependency',
  };
  const git = spawnSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  const dirty = spawnSync('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src', 'bench'], { encoding: 'utf8' });
  const revision = process.env.BENCH_REVISION ?? (git.status === 0 ? `${git.stdout.trim()}${dirty.stdout.trim() ? '+dirty' : ''}` : undefined);
  for (const s of SPECS) if (!specs.includes(s)) console.log(`(not run: ${s.name}${QUICK && s.quick === null ? ', not in the --quick set' : ''})`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'grapevine-bench-'));
  const benches: BenchRun[] = [];
  const stamp = m.date.slice(0, 10) + (QUICK ? '-quick' : '');
  const jsonFile = path.join(ROOT, 'bench', 'results', `${stamp}.json`);
  const reportFile = path.join(ROOT, 'bench', QUICK ? 'REPORT-quick.md' : 'REPORT.md');
  const chartDir = path.join(ROOT, 'bench', 'charts', ...(QUICK ? ['quick'] : []));
  const command = `npm run bench${QUICK ? ' -- --quick' : ''}`;
  const save = () => {
    const notRun: BenchRun[] = SPECS.filter((s) => !specs.includes(s)).map((s) => ({ name: s.name, command: `node dist/bench/${s.name}.js`, status: 'skipped', reason: QUICK && s.quick === null ? 'not in the --quick set (run `npm run bench`)' : 'left out by --only/--skip', figures: [] }));
    const merged: Merged = { machine: m, mode: QUICK ? 'quick' : 'full', command, tools, totalSeconds: (Date.now() - t0) / 1000, ...(revision ? { revision } : {}), benches: [...benches, ...notRun] };
    mkdirSync(path.dirname(jsonFile), { recursive: true });
    writeFileSync(jsonFile, JSON.stringify(merged, null, 2) + '\n');
    writeReport(merged, reportFile, chartDir);
    // The README's performance section is pasted from this file after a full run.
    writeFileSync(path.join(ROOT, 'bench', QUICK ? 'README-performance-quick.md' : 'README-performance.md'), readmeSection(merged));
  };
  try {
    for (const s of specs) {
      benches.push(await runOne(s, tmp));
      save(); // a partial report survives an interrupted run
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  save();
  const missed = benches.flatMap((b) => b.figures).filter((f) => f.met === false);
  const met = benches.flatMap((b) => b.figures).filter((f) => f.met === true);
  console.log(`\nDone in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${met.length} targets met, ${missed.length} missed; ${benches.filter((b) => b.status !== 'ok').map((b) => `${b.name} ${b.status}`).join(', ') || 'all benches ok'}.`);
  console.log(`Wrote ${path.relative(process.cwd(), jsonFile)} and ${path.relative(process.cwd(), reportFile)}`);
}

process.on('SIGINT', () => process.exit(130));
main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

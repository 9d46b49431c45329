/**
 * CPU profiles for the benches: start a daemon under `node --cpu-prof` (not allowed in
 * NODE_OPTIONS, hence its own spawn), and read the heaviest self-time functions of the
 * .cpuprofile it writes on exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MAIN_JS } from '../../test/integration/helpers/daemon.js';
import { ROOT, round } from './common.js';

/** ProfileTop is one function's share of all samples. */
export interface ProfileTop {
  fn: string;
  selfPct: number;
}

/** topSelf sums a .cpuprofile's samples by function and returns the heaviest, in % of all samples. */
export function topSelf(file: string, k = 25): ProfileTop[] {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: { callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[] };
  const by = new Map<string, number>();
  let total = 0;
  for (const n of prof.nodes) {
    const hits = n.hitCount ?? 0;
    total += hits;
    const cf = n.callFrame;
    const where = cf.url ? `${cf.url.replace(/^file:\/\//, '').replace(ROOT + '/', '')}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName || '(anonymous)'} ${where}`.trim();
    by.set(key, (by.get(key) ?? 0) + hits);
  }
  return [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, k).map(([fn, hits]) => ({ fn, selfPct: round((100 * hits) / (total || 1)) }));
}

/** ProfiledDaemon is a daemon process under --cpu-prof; stop() ends it and returns its profile's top. */
export interface ProfiledDaemon {
  proc: ChildProcess;
  stop(): Promise<ProfileTop[]>;
}

/** startProfiled spawns `grapevine agent` with the given agent arguments under node --cpu-prof. */
export function startProfiled(agentArgs: string[]): ProfiledDaemon {
  const dir = mkdtempSync(path.join(tmpdir(), 'grapevine-prof-'));
  const proc = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, MAIN_JS, 'agent', ...agentArgs], { stdio: 'ignore' });
  const kill = () => proc.exitCode === null && proc.signalCode === null && proc.kill('SIGKILL');
  process.on('exit', kill);
  return {
    proc,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const gone = new Promise<void>((r) => proc.once('exit', () => r()));
        process.kill(proc.pid!, 'SIGTERM');
        const t = setTimeout(kill, 20_000);
        await gone;
        clearTimeout(t);
      }
      process.off('exit', kill);
      const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
      const top = file ? topSelf(path.join(dir, file)) : [];
      rmSync(dir, { recursive: true, force: true });
      return top;
    },
  };
}

/**
 * ChaosRunner runs scenarios one after the other: skips those whose needs the machine
 * lacks (with the reason), bounds each in time, and always runs a scenario's cleanups
 * (daemons killed by PID, temp dirs removed, mounts and iptables rules undone), last
 * registered first, even when the scenario failed or timed out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFaketimeLib, missingNeed } from './needs.js';
import type { ChaosContext, Need, Scenario, ScenarioResult } from './types.js';

/** SCENARIO_TIMEOUT_MS bounds one scenario; past it the scenario fails and its cleanups run. */
export const SCENARIO_TIMEOUT_MS = 240_000;

/** RunnerOptions configure a ChaosRunner. */
export interface RunnerOptions {
  /** seed is the base seed (each scenario's seed derives from it); default: random, printed on failure. */
  seed?: number;
  /** log receives progress lines (default: none). */
  log?: (line: string) => void;
  timeoutMs?: number;
}

interface Cleanup {
  what: string;
  fn: () => Promise<void> | void;
}

/** ChaosRunner runs scenarios and remembers the cleanups of the one running, so abort() can undo them. */
export class ChaosRunner {
  private cleanups: Cleanup[] = [];
  private readonly needCache = new Map<Need, string | undefined>();
  readonly seed: number;

  constructor(private readonly opts: RunnerOptions = {}) {
    this.seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  }

  private why(needs: Need[]): string | undefined {
    for (const n of needs) {
      if (!this.needCache.has(n)) this.needCache.set(n, missingNeed(n));
      const why = this.needCache.get(n);
      if (why) return why;
    }
    return undefined;
  }

  /** runAll runs the scenarios in order and returns one result each. */
  async runAll(scenarios: Scenario[]): Promise<ScenarioResult[]> {
    const out: ScenarioResult[] = [];
    for (const [i, s] of scenarios.entries()) out.push(await this.runOne(s, this.seed + i));
    return out;
  }

  /** runOne runs one scenario (or skips it with the reason) and undoes everything it set up. */
  async runOne(s: Scenario, seed: number): Promise<ScenarioResult> {
    const skip = this.why(s.needs);
    if (skip) return { name: s.name, result: 'skipped', seconds: 0, detail: skip };
    const t0 = Date.now();
    const log = this.opts.log ?? (() => undefined);
    this.cleanups = [];
    const ctx: ChaosContext = {
      scenario: s.name,
      seed,
      tempDir: (prefix) => {
        const dir = mkdtempSync(join(tmpdir(), prefix));
        this.cleanups.push({ what: `remove ${dir}`, fn: () => rmSync(dir, { recursive: true, force: true }) });
        return dir;
      },
      defer: (what, fn) => this.cleanups.push({ what, fn }),
      log: (m) => log(`[${s.name}] ${m}`),
      ...(s.needs.includes('faketime') ? { faketimeLib: findFaketimeLib()! } : {}),
    };
    log(`[${s.name}] start (seed ${seed})`);
    let result: ScenarioResult['result'] = 'passed';
    let detail: string;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeoutMs = this.opts.timeoutMs ?? SCENARIO_TIMEOUT_MS;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000} s`)), timeoutMs);
      });
      detail = await Promise.race([s.run(ctx), timeout]);
    } catch (e) {
      result = 'failed';
      detail = `${(e as Error).message.split('\n')[0]} (seed ${seed})`;
      log(`[${s.name}] ${(e as Error).stack ?? String(e)}`);
    } finally {
      clearTimeout(timer);
    }
    const undone = await this.undo();
    if (undone.length) {
      result = 'failed';
      detail = `${detail}; cleanup failed: ${undone.join('; ')}`;
    }
    const seconds = (Date.now() - t0) / 1000;
    log(`[${s.name}] ${result} in ${seconds.toFixed(1)} s: ${detail}`);
    return { name: s.name, result, seconds, detail };
  }

  /** undo runs the pending cleanups, last first, and returns the ones that failed. */
  async undo(): Promise<string[]> {
    const failed: string[] = [];
    const list = this.cleanups.reverse();
    this.cleanups = [];
    for (const c of list) {
      try {
        await c.fn();
      } catch (e) {
        failed.push(`${c.what}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    return failed;
  }
}

/** formatTable renders results as a fixed-width table (scenario, result, seconds, detail). */
export function formatTable(results: ScenarioResult[]): string {
  const rows = [['scenario', 'result', 'seconds', 'detail'], ...results.map((r) => [r.name, r.result.toUpperCase(), r.seconds.toFixed(1), r.detail])];
  const w = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => [r[0]!.padEnd(w[0]!), r[1]!.padEnd(w[1]!), r[2]!.padStart(w[2]!), r[3]].join('  ')).join('\n');
}

/** summaryLine is the closing line: "N passed, M failed" and ", K skipped" when any were skipped. */
export function summaryLine(results: ScenarioResult[]): string {
  const n = (x: ScenarioResult['result']) => results.filter((r) => r.result === x).length;
  const skipped = n('skipped');
  return `${n('passed')} passed, ${n('failed')} failed${skipped ? `, ${skipped} skipped` : ''}`;
}

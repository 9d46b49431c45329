/**
 * The chaos suite's command line: `npm run chaos [-- --only a,b] [-- --quick] [-- --verbose]`.
 * Runs the scenarios against real daemons, prints a table and "N passed, M failed"
 * (", K skipped"), and exits 1 if any failed. CHAOS_SEED fixes the seed.
 * SIGINT/SIGTERM still undo the running scenario (daemons, mounts, iptables rules).
 */
import { ChaosRunner, formatTable, summaryLine } from './runner.js';
import { SCENARIOS } from './scenarios/index.js';
import type { Scenario } from './types.js';

/** selectScenarios picks the scenarios named by --only (comma separated) and/or the quick set. */
export function selectScenarios(args: string[]): Scenario[] {
  let list = SCENARIOS;
  const i = args.indexOf('--only');
  if (i >= 0) {
    const names = (args[i + 1] ?? '').split(',').filter(Boolean);
    const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
    if (unknown.length || names.length === 0) throw new Error(`--only: unknown scenario ${unknown.join(', ') || '(none given)'}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
    list = list.filter((s) => names.includes(s.name));
  }
  if (args.includes('--quick')) list = list.filter((s) => s.quick);
  return list;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  let list: Scenario[];
  try {
    list = selectScenarios(args);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const seed = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : undefined;
  const verbose = args.includes('--verbose');
  const runner = new ChaosRunner({
    ...(seed !== undefined ? { seed } : {}),
    log: (line) => process.stderr.write(verbose || !line.includes('] ') || / (passed|failed) in /.test(line) ? `${line}\n` : ''),
  });
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${sig}: undoing the running scenario\n`);
    void runner.undo().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.stdout.write(`chaos: ${list.length} scenario(s), seed ${runner.seed}\n`);
  const results = await runner.runAll(list);
  process.stdout.write(`\n${formatTable(results)}\n\n${summaryLine(results)}\n`);
  return results.some((r) => r.result === 'failed') ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);

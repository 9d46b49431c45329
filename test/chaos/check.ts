/**
 * The end-of-scenario check every scenario runs: the live nodes' digests become equal
 * within a bounded time, and every node shows the ledger's last acknowledged state of
 * every key (no acknowledged write lost, no delete undone, no refused write visible).
 */
import type { ChaosCluster } from './cluster.js';
import type { Ledger } from './ledger.js';

/** MAX_PROBLEMS_SHOWN bounds the problems listed in a failure message. */
const MAX_PROBLEMS_SHOWN = 6;

/** ChaosFailure is a scenario's failed expectation (the runner shows its message as the detail). */
export class ChaosFailure extends Error {}

/** expect throws a ChaosFailure with `msg` unless `cond` holds. */
export function expect(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new ChaosFailure(msg);
}

/** finalCheck waits for equal digests on the live nodes, then checks each against the ledger; it resolves with a summary. */
export async function finalCheck(cluster: ChaosCluster, ledger: Ledger, convergeTimeoutMs?: number): Promise<string> {
  let ms = -1;
  let diverged = '';
  try {
    ms = await cluster.converge(convergeTimeoutMs);
  } catch (e) {
    diverged = (e as Error).message; // still check the ledger: it says what differs
  }
  const problems: string[] = [];
  for (const d of cluster.live()) problems.push(...ledger.check(d.name, await cluster.instances(d.name)));
  if (diverged || problems.length) {
    const shown = problems.slice(0, MAX_PROBLEMS_SHOWN).join('; ');
    const listed = problems.length ? `${problems.length} ledger problem(s): ${shown}${problems.length > MAX_PROBLEMS_SHOWN ? '; ...' : ''}` : 'the ledger holds on every node';
    throw new ChaosFailure(diverged ? `${diverged}; ${listed}` : listed);
  }
  const c = ledger.counts;
  return `${c.acked} acked (${c.refused} refused, ${c.unknown} unknown) on ${ledger.keyCount()} keys, ${ledger.deletedCount()} deleted; equal digests in ${(ms / 1000).toFixed(1)} s`;
}

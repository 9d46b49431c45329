/**
 * The acknowledged-write ledger: every write a scenario sends is recorded with its key,
 * its value (or delete) and its outcome. A 2xx answer is acknowledged; an error answer
 * (503 StorageUnavailable, ClockSkew) was refused and must leave no trace; a request that
 * died in flight (timeout, reset) may or may not have happened. At the end every node
 * must show, for every key, the last acknowledged state (or one of the uncertain writes
 * sent after it): present with that value, or absent if it was deleted.
 */

/** KeyState is a key's state on a node: present with a value, or absent. */
export type KeyState = { present: true; value: string } | { present: false };

/** WriteOutcome is how a write ended: acknowledged (2xx), refused (an error answer), or unknown (no answer). */
export type WriteOutcome = 'acked' | 'refused' | 'unknown';

interface KeyHistory {
  /** acked is the last acknowledged state; undefined means never written (absent). */
  acked?: KeyState;
  /** ackedDelete is true when the last acknowledged write was a delete of a key acknowledged present before. */
  ackedDelete: boolean;
  /** uncertain are the states of writes without an answer sent after the last acknowledged one. */
  uncertain: KeyState[];
  /** refusedValues are values of refused puts: seeing one is a refused write made visible. */
  refusedValues: Set<string>;
}

/** LedgerCounts sums the outcomes recorded so far. */
export interface LedgerCounts {
  acked: number;
  refused: number;
  unknown: number;
}

function same(a: KeyState, b: KeyState): boolean {
  return a.present === b.present && (!a.present || (b.present && a.value === b.value));
}

function show(s: KeyState | undefined): string {
  return !s?.present ? 'absent' : `"${s.value}"`;
}

/**
 * Ledger records writes per key. One key must be written by one writer at a time, on one
 * node (its HLC orders that node's writes), so "the last acknowledged" is well defined.
 */
export class Ledger {
  private readonly keys = new Map<string, KeyHistory>();
  readonly counts: LedgerCounts = { acked: 0, refused: 0, unknown: 0 };

  private history(key: string): KeyHistory {
    let h = this.keys.get(key);
    if (!h) {
      h = { ackedDelete: false, uncertain: [], refusedValues: new Set() };
      this.keys.set(key, h);
    }
    return h;
  }

  /** record notes one write of `state` to `key` and how it ended. */
  record(key: string, state: KeyState, outcome: WriteOutcome): void {
    const h = this.history(key);
    this.counts[outcome]++;
    if (outcome === 'acked') {
      h.ackedDelete = !state.present && h.acked?.present === true;
      h.acked = state;
      h.uncertain = [];
    } else if (outcome === 'unknown') {
      h.uncertain.push(state);
    } else if (state.present) {
      h.refusedValues.add(state.value);
    }
  }

  /** believed is the key's last acknowledged state (what a writer should assume). */
  believed(key: string): KeyState {
    return this.keys.get(key)?.acked ?? { present: false };
  }

  /** keyCount is the number of keys written. */
  keyCount(): number {
    return this.keys.size;
  }

  /** deletedCount is the number of keys whose last acknowledged write deleted them. */
  deletedCount(): number {
    let n = 0;
    for (const h of this.keys.values()) if (h.ackedDelete) n++;
    return n;
  }

  /**
   * check compares one node's view (key -> value, absent keys missing) with the ledger
   * and returns the problems found: acknowledged writes lost, deletes undone, refused
   * writes made visible, keys nobody wrote.
   */
  check(node: string, actual: Map<string, string>): string[] {
    const problems: string[] = [];
    for (const [key, h] of this.keys) {
      const v = actual.get(key);
      const got: KeyState = v === undefined ? { present: false } : { present: true, value: v };
      const expected: KeyState = h.acked ?? { present: false };
      if ([expected, ...h.uncertain].some((s) => same(s, got))) continue;
      if (got.present && h.refusedValues.has(got.value)) problems.push(`${node}: ${key} shows the refused write ${show(got)}`);
      else if (h.ackedDelete && got.present) problems.push(`${node}: delete undone: ${key} is back as ${show(got)}`);
      else problems.push(`${node}: acknowledged write lost: ${key} is ${show(got)}, expected ${show(expected)}`);
    }
    for (const key of actual.keys()) if (!this.keys.has(key)) problems.push(`${node}: ${key} was never written`);
    return problems;
  }
}

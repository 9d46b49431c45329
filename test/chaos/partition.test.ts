/**
 * The long-partition scenario of the chaos suite in CI (issue: deletes undone by a
 * partition longer than the tombstone TTL): real daemons, an iptables partition longer
 * than tombstoneTtlMs, deletes on one side while the other writes, then heal. Its own
 * file, so that it has its own time budget. Skipped, with the reason, without root or iptables.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChaosRunner, formatTable, summaryLine } from './runner.js';
import { SCENARIOS } from './scenarios/index.js';

test('a partition longer than the tombstone TTL undoes no delete and loses no acknowledged write (real daemons)', async (t) => {
  const runner = new ChaosRunner();
  const results = await runner.runAll(SCENARIOS.filter((s) => s.name === 'partition'));
  t.diagnostic(`seed ${runner.seed}`);
  for (const line of formatTable(results).split('\n')) t.diagnostic(line);
  t.diagnostic(summaryLine(results));
  assert.equal(results.length, 1);
  if (results[0].result === 'skipped') return t.skip(results[0].detail);
  assert.equal(results[0].result, 'passed', results[0].detail);
});

/**
 * CI's share of the chaos suite: the quick scenarios, run in-process against real
 * daemons. Fails if any scenario fails; skipped ones (a missing tool) are reported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChaosRunner, formatTable, summaryLine } from './runner.js';
import { SCENARIOS } from './scenarios/index.js';

test('the quick chaos scenarios pass: equal digests, no acknowledged write lost, no delete undone', async (t) => {
  const runner = new ChaosRunner();
  const results = await runner.runAll(SCENARIOS.filter((s) => s.quick));
  t.diagnostic(`seed ${runner.seed}`);
  for (const line of formatTable(results).split('\n')) t.diagnostic(line);
  t.diagnostic(summaryLine(results));
  const failed = results.filter((r) => r.result === 'failed');
  assert.deepEqual(failed.map((r) => `${r.name}: ${r.detail}`), []);
});

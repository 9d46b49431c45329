/**
 * The chaos checker itself: the ledger must catch what the chaos suite is there to
 * catch (a lost acknowledged write, an undone delete, a refused write made visible),
 * and must not blame a write that had no answer either way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ledger } from './ledger.js';
import { formatTable, summaryLine } from './runner.js';

const put = (value: string) => ({ present: true as const, value });
const del = { present: false as const };

test('the ledger accepts the last acknowledged state, and any write without an answer sent after it', () => {
  const l = new Ledger();
  l.record('a', put('a1'), 'acked');
  l.record('a', put('a2'), 'acked');
  l.record('b', put('b1'), 'acked');
  l.record('b', del, 'acked');
  l.record('c', put('c1'), 'acked');
  l.record('c', put('c2'), 'unknown');
  assert.deepEqual(l.check('n1', new Map([['a', 'a2'], ['c', 'c1']])), []);
  assert.deepEqual(l.check('n1', new Map([['a', 'a2'], ['c', 'c2']])), []);
  assert.equal(l.deletedCount(), 1);
});

test('the ledger names a lost acknowledged write, an undone delete, a visible refused write and a key nobody wrote', () => {
  const l = new Ledger();
  l.record('a', put('a1'), 'acked');
  l.record('a', put('a2'), 'acked');
  l.record('b', put('b1'), 'acked');
  l.record('b', del, 'acked');
  l.record('c', put('c1'), 'acked');
  l.record('c', put('c2'), 'refused');
  l.record('d', put('d1'), 'acked');
  const problems = l.check('n2', new Map([['a', 'a1'], ['b', 'b1'], ['c', 'c2'], ['x', '?']]));
  assert.deepEqual(problems, [
    'n2: acknowledged write lost: a is "a1", expected "a2"',
    'n2: delete undone: b is back as "b1"',
    'n2: c shows the refused write "c2"',
    'n2: acknowledged write lost: d is absent, expected "d1"',
    'n2: x was never written',
  ]);
});

test('the result table and the closing line count passed, failed and skipped scenarios', () => {
  const rows = [
    { name: 'freeze', result: 'passed' as const, seconds: 12.34, detail: 'ok' },
    { name: 'partition', result: 'skipped' as const, seconds: 0, detail: 'iptables is not installed' },
    { name: 'crash-loop', result: 'failed' as const, seconds: 3, detail: 'acknowledged write lost' },
  ];
  assert.equal(summaryLine(rows), '1 passed, 1 failed, 1 skipped');
  assert.equal(summaryLine(rows.slice(0, 1)), '1 passed, 0 failed');
  assert.match(formatTable(rows), /^partition +SKIPPED +0\.0 +iptables is not installed$/m);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The gossip core must stay a pure function of (state, input, now): no clock, no
// timers, no ambient randomness, no I/O. Scanned as source text, so it runs from the repo root.
const DIRS = ['src/core/membership', 'src/core/replication', 'src/core/gossip'];
const FORBIDDEN = [/Date\.now/, /new Date\(/, /setTimeout/, /setInterval/, /setImmediate/, /Math\.random/, /performance\.now/, /from 'node:(net|dgram|fs|http|https|child_process)'/, /process\./];

test('the gossip core never reads the clock, timers, ambient randomness or I/O', () => {
  const offenders: string[] = [];
  for (const dir of DIRS) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const lines = readFileSync(join(dir, f), 'utf8').split('\n');
      lines.forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
        for (const re of FORBIDDEN) if (re.test(code)) offenders.push(`${dir}/${f}:${i + 1}: ${line.trim()}`);
      });
    }
  }
  assert.deepEqual(offenders, []);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

// The gossip core must stay a pure function of (state, input, now): no clock, no
// timers, no ambient randomness, no I/O. Scanned as source text, so it runs from the repo root.
/** coreDirs lists src/core and every folder below it: all of the core is pure, not a chosen few folders. */
function coreDirs(dir = 'src/core'): string[] {
  return [dir, ...readdirSync(dir).filter((n) => statSync(join(dir, n)).isDirectory()).flatMap((n) => coreDirs(join(dir, n)))];
}
const DIRS = coreDirs();
const FORBIDDEN = [/Date\.now/, /new Date\(/, /setTimeout/, /setInterval/, /setImmediate/, /Math\.random/, /performance\.now/, /from 'node:(net|dgram|fs|http|https|child_process)'/, /process\./];

test('the core (every folder of src/core) never reads the clock, timers, ambient randomness or I/O', () => {
  const offenders: string[] = [];
  for (const dir of DIRS) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const lines = readFileSync(join(dir, f), 'utf8').split('\n');
      lines.forEach((line, i) => {
        const code = line.replace(/\/\*.*?\*\//g, '').replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
        // The Clock seam's declaration names setTimeout as a method of an injected interface; it holds types only.
        if (f === 'clock.ts' && dir === 'src/core' && /^\s*(setTimeout|clearTimeout|defer)\(.*\): [A-Za-z]+;$/.test(code)) return;
        for (const re of FORBIDDEN) if (re.test(code)) offenders.push(`${dir}/${f}:${i + 1}: ${line.trim()}`);
      });
    }
  }
  assert.deepEqual(offenders, []);
});

test('core/clock.ts declares the Clock seam as types only: no runtime code in the core', () => {
  const text = readFileSync('src/core/clock.ts', 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  for (const line of text.split('\n')) if (/^(export )?(const|let|var|function|class) /.test(line.trim())) assert.fail(`runtime code in core/clock.ts: ${line}`);
});

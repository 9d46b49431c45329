import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// In the runtime and the transport, time, timers and randomness come only through the
// seams (Clock, Random), so that the simulator drives the same code in virtual time.
// Only the adapters themselves may touch the real ones. Scanned as source text.
const DIRS = ['src/runtime', 'src/transport'];
const ADAPTERS = new Set(['src/runtime/clock.ts', 'src/runtime/random.ts']);
const FORBIDDEN = [/Date\.now/, /new Date\(/, /(?<![.\w])setTimeout\(/, /(?<![.\w])setInterval\(/, /(?<![.\w])setImmediate\(/, /Math\.random/, /performance\.now/];

test('src/runtime and src/transport take time, timers and randomness only from the Clock and Random seams', () => {
  const offenders: string[] = [];
  for (const dir of DIRS) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const path = join(dir, f);
      if (ADAPTERS.has(path)) continue;
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const code = line.replace(/\/\*.*?\*\//g, '').replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
          for (const re of FORBIDDEN) if (re.test(code)) offenders.push(`${path}:${i + 1}: ${line.trim()}`);
        });
    }
  }
  assert.deepEqual(offenders, []);
});

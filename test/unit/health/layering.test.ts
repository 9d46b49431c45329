import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { importGraph } from '../arch/import-graph.js';

// The health unit's layering (DESIGN.md, "Layers point down"), checked on the source
// text from the repo root, as the core purity test does: type-only imports count too.

describe('health unit layering', () => {
  const g = importGraph();

  it('health imports only core, obs and itself: never the runtime or an adapter', () => {
    const offenders: string[] = [];
    for (const [f, deps] of g) {
      if (!f.startsWith(join('src', 'health') + '/')) continue;
      for (const d of deps) if (!/^src\/(core|obs|health)\//.test(d)) offenders.push(`${f} imports ${d}`);
    }
    assert.deepEqual(offenders, []);
  });

  it('everything outside src/health goes through its one entry point, src/health/index.ts', () => {
    const offenders: string[] = [];
    for (const [f, deps] of g) {
      if (f.startsWith(join('src', 'health') + '/')) continue;
      for (const d of deps) if (d.startsWith(join('src', 'health') + '/') && d !== join('src', 'health', 'index.ts')) offenders.push(`${f} imports ${d}`);
    }
    assert.deepEqual(offenders, []);
  });

  // Import cycles (through health or anywhere else) are checked by test/unit/arch/layering.test.ts.
});

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { importGraph } from '../arch/import-graph.js';

// The health unit's layering (DESIGN.md, "Layers point down"), checked on the source
// text from the repo root, as the core purity test does: type-only imports count too.

const OWNED = [join('src', 'health') + '/', join('src', 'core', 'health') + '/', join('src', 'core', 'validate'), join('src', 'core', 'clock.ts')];
const owned = (f: string) => OWNED.some((p) => f.startsWith(p));

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

  it('no import cycle runs through health, core/health, core/validate or core/clock', () => {
    const state = new Map<string, 1 | 2>();
    const stack: string[] = [];
    const cycles: string[] = [];
    const visit = (v: string): void => {
      state.set(v, 1);
      stack.push(v);
      for (const w of g.get(v) ?? []) {
        if (state.get(w) === 1) {
          const cycle = stack.slice(stack.indexOf(w));
          if (cycle.some(owned)) cycles.push([...cycle, w].join(' -> '));
        } else if (!state.has(w)) visit(w);
      }
      stack.pop();
      state.set(v, 2);
    };
    for (const f of g.keys()) if (!state.has(f)) visit(f);
    assert.deepEqual(cycles, []);
  });
});

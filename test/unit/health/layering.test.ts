import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, it } from 'node:test';

// The health unit's layering (DESIGN.md, "Layers point down"), checked on the source
// text from the repo root, as the core purity test does: type-only imports count too.

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (n.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** importGraph maps every file under src to the src files it imports or re-exports from. */
function importGraph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of sourceFiles('src')) {
    const text = readFileSync(f, 'utf8');
    const deps = [...text.matchAll(/(?:from|import)\s+'(\.[^']+)'/g)].map((m) => normalize(join(dirname(f), m[1].replace(/\.js$/, '.ts'))));
    g.set(f, deps);
  }
  return g;
}

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

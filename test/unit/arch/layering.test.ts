import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { importGraph } from './import-graph.js';

// Layers point down (DESIGN.md): checked on the source text from the repo root.
// Type-only imports and re-exports count too.

const layer = (f: string) => f.split('/')[1];

/** ALLOWED lists, for each folder of src, the folders it may import from (besides itself). */
const ALLOWED: Record<string, string[]> = {
  core: [],
  storage: ['core'],
  obs: ['core'],
  config: ['core', 'obs', 'transport'],
  transport: ['core', 'obs'],
  health: ['core', 'obs'],
  dns: ['core', 'obs', 'config'],
  runtime: ['core', 'storage', 'obs', 'config', 'transport', 'health', 'dns', 'http'],
  http: ['core', 'obs', 'config', 'health', 'storage', 'runtime'],
  sim: ['core', 'storage', 'runtime'],
  cli: ['core', 'obs', 'config', 'runtime', 'storage', 'transport', 'http'],
};

describe('layering of src/', () => {
  const g = importGraph();

  it('every folder imports only the layers below it', () => {
    const offenders: string[] = [];
    for (const [f, deps] of g) {
      const from = layer(f);
      const ok = ALLOWED[from];
      if (!ok) {
        offenders.push(`${f}: folder ${from} has no layering rule`);
        continue;
      }
      for (const d of deps) if (layer(d) !== from && !ok.includes(layer(d))) offenders.push(`${f} imports ${d}`);
    }
    assert.deepEqual(offenders, []);
  });

  it('there is no import cycle anywhere in src, not even a type-only one', () => {
    const state = new Map<string, 1 | 2>();
    const stack: string[] = [];
    const cycles: string[] = [];
    const visit = (v: string): void => {
      state.set(v, 1);
      stack.push(v);
      for (const w of g.get(v) ?? []) {
        if (state.get(w) === 1) cycles.push([...stack.slice(stack.indexOf(w)), w].join(' -> '));
        else if (!state.has(w)) visit(w);
      }
      stack.pop();
      state.set(v, 2);
    };
    for (const v of g.keys()) if (!state.has(v)) visit(v);
    assert.deepEqual(cycles, []);
  });
});

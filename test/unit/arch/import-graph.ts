import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

/** sourceFiles lists every .ts file below dir, sorted. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (n.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** importGraph maps every file under src to the src files it imports or re-exports from (type-only ones and dynamic imports included), read as source text from the repo root. */
export function importGraph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of sourceFiles('src')) {
    const text = readFileSync(f, 'utf8');
    const deps = [...text.matchAll(/(?:from|import)\s+'(\.[^']+)'/g), ...text.matchAll(/import\('(\.[^']+)'\)/g)].map((m) => normalize(join(dirname(f), m[1]!.replace(/\.js$/, '.ts'))));
    g.set(f, [...new Set(deps)]);
  }
  return g;
}

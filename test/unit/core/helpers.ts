import type { Registry } from '../../../src/core/registry.js';
import type { Write } from '../../../src/core/commands.js';

let hlc = 1_000_000;

/** applyWrites applies command writes to a registry as node `node` would, with rising versions. */
export function applyWrites(reg: Registry, writes: Write[], node = 'n1'): void {
  for (const w of writes) reg.apply({ key: w.key, value: w.value, hlc: ++hlc, node, seq: hlc });
}

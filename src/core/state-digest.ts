import { createHash } from 'node:crypto';
import type { Registry } from './registry.js';

/**
 * stateDigest hashes every record's key and version (hlc, writer) in key order,
 * tombstones included, so that two nodes with equal digests hold the same state
 * (values are functions of their version: one writer writes one value per hlc).
 */
export function stateDigest(registry: Registry): string {
  // Every change to records (apply, remove, drop) moves registry.revision, so a digest
  // computed at the same revision is still right: polling the digest costs nothing
  // while the state is still.
  const memo = memos.get(registry);
  if (memo && memo.revision === registry.revision) return memo.digest;
  const digest = computeDigest(registry);
  memos.set(registry, { revision: registry.revision, digest });
  return digest;
}

const memos = new WeakMap<Registry, { revision: number; digest: string }>();

function computeDigest(registry: Registry): string {
  const keys = [...registry.records.keys()].sort();
  const h = createHash('sha256');
  for (const k of keys) {
    const r = registry.records.get(k)!;
    h.update(`${k}\u0000${r.hlc}\u0000${r.node}\u0000${r.value === null ? 0 : 1}\n`);
  }
  return h.digest('hex');
}

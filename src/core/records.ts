/**
 * Replicated records and their merge. A record is a key, a value or a tombstone
 * (value null), a version (hlc, node) and the writer's sequence number. The merge
 * keeps the higher version: a last-writer-wins register per key, which is
 * commutative, associative and idempotent (checked in test/property).
 */

/** Rec is one replicated record. `node` is the writer; `seq` counts that writer's writes. */
export interface Rec {
  key: string;
  /** The body, or null for a tombstone. */
  value: unknown;
  hlc: number;
  node: string;
  /** Position of this write in the writer's own stream; anti-entropy digests are built on it. */
  seq: number;
  /** Wall time the tombstone was written, for collection after tombstoneTtl. */
  deletedAtMs?: number;
}

/** compareVersion orders two records by (hlc, node); 0 means the same version. */
export function compareVersion(a: { hlc: number; node: string }, b: { hlc: number; node: string }): number {
  if (a.hlc !== b.hlc) return a.hlc < b.hlc ? -1 : 1;
  if (a.node === b.node) return 0;
  return a.node < b.node ? -1 : 1;
}

/** wins reports whether `incoming` should replace `current` (absent current always loses). */
export function wins(incoming: Rec, current: Rec | undefined): boolean {
  return current === undefined || compareVersion(incoming, current) > 0;
}

/** mergeRecord returns the record that survives a merge of two versions of one key. */
export function mergeRecord(a: Rec | undefined, b: Rec): Rec {
  return wins(b, a) ? b : (a as Rec);
}

/** isTombstone reports whether a record marks a deletion. */
export function isTombstone(r: Rec): boolean {
  return r.value === null;
}

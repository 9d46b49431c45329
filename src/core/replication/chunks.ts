import type { Rec } from '../records.js';

/** MAX_RECORDS_PER_CHUNK bounds the records of one replication message. */
export const MAX_RECORDS_PER_CHUNK = 256;

// Records are immutable once made, so a record's size is worked out once (snapshots re-chunk the same objects).
const sizeCache = new WeakMap<Rec, number>();

/** approxRecordBytes estimates a record's encoded size (msgpack is a little smaller than JSON). */
export function approxRecordBytes(r: Rec): number {
  let n = sizeCache.get(r);
  if (n === undefined) {
    n = r.key.length + r.node.length + 40 + (r.value === null ? 1 : JSON.stringify(r.value).length);
    sizeCache.set(r, n);
  }
  return n;
}

/** chunkRecords splits records into chunks of at most MAX_RECORDS_PER_CHUNK records and about maxBytes each. */
export function chunkRecords(recs: Rec[], maxBytes: number): Rec[][] {
  const out: Rec[][] = [];
  let cur: Rec[] = [];
  let bytes = 0;
  for (const r of recs) {
    const sz = approxRecordBytes(r);
    if (cur.length > 0 && (cur.length >= MAX_RECORDS_PER_CHUNK || bytes + sz > maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(r);
    bytes += sz;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

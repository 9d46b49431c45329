import type { Rec } from '../records.js';
import type { Registry } from '../registry.js';

/**
 * OriginIndex maps each writer (origin) to the keys whose current record it wrote,
 * so that anti-entropy can list "records of X with seq > W" without scanning the
 * whole registry. It is kept up to date from the engine's write and merge hooks;
 * a key that another origin overwrote is pruned lazily when next listed.
 */
export class OriginIndex {
  private readonly keys = new Map<string, Set<string>>();
  private readonly maxSeq = new Map<string, number>();

  /** constructor indexes every record the registry holds at start. */
  constructor(private readonly registry: Registry) {
    for (const r of registry.records.values()) this.note(r);
  }

  /** note records that `rec` is now held under its key. */
  note(rec: Rec): void {
    let set = this.keys.get(rec.node);
    if (!set) this.keys.set(rec.node, (set = new Set()));
    set.add(rec.key);
    if (rec.seq > (this.maxSeq.get(rec.node) ?? 0)) this.maxSeq.set(rec.node, rec.seq);
  }

  /** origins iterates every origin ever indexed. */
  origins(): IterableIterator<string> {
    return this.maxSeq.keys();
  }

  /** maxSeqOf is the highest seq ever indexed for an origin: a peer at or above it lacks nothing from it. */
  maxSeqOf(origin: string): number {
    return this.maxSeq.get(origin) ?? 0;
  }

  /** recordsAfter lists the records held from `origin` with seq above `seq`. */
  recordsAfter(origin: string, seq: number): Rec[] {
    const out: Rec[] = [];
    const set = this.keys.get(origin);
    if (!set || seq >= this.maxSeqOf(origin)) return out;
    for (const key of set) {
      const r = this.registry.get(key);
      if (!r || r.node !== origin) {
        set.delete(key);
        continue;
      }
      if (r.seq > seq) out.push(r);
    }
    return out;
  }
}

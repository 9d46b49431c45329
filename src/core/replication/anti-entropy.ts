import type { Outbox } from '../gossip/outbox.js';
import type { DataMsg, DigestMsg } from '../gossip/messages.js';
import type { Rec } from '../records.js';
import type { Registry } from '../registry.js';
import { chunkRecords } from './chunks.js';
import type { OriginIndex } from './origin-index.js';
import type { Watermarks } from './watermarks.js';

/** MAX_DIGEST_ORIGINS bounds the origins in one digest or watermark map taken from the wire. */
export const MAX_DIGEST_ORIGINS = 200_000;
/** MAX_INBOUND_EXCHANGES bounds exchanges being received at once; the oldest is forgotten first. */
export const MAX_INBOUND_EXCHANGES = 64;
/** MAX_CHUNKS_PER_EXCHANGE bounds the chunk count an r.data may announce. */
export const MAX_CHUNKS_PER_EXCHANGE = 1_000_000;

/** Inbound is an exchange being received, chunk by chunk. */
interface Inbound {
  total: number;
  seen: Set<number>;
  full: boolean;
  /** tainted is set when a chunk held invalid records: then the peer's watermarks cannot be adopted. */
  tainted: boolean;
  wm?: Record<string, number>;
  fl?: Record<string, number>;
  /** keys of a full snapshot, to find what the sender no longer has. */
  keys?: Set<string>;
  /** merging counts this exchange's merges not yet durable; the watermarks wait for them. */
  merging: number;
  /** complete is set once every chunk is in. */
  complete: boolean;
}

/**
 * AntiEntropy is push-pull repair (Scuttlebutt, Demers' anti-entropy): a node sends
 * its watermarks (r.dig); the peer answers with every record the node lacks (r.data,
 * chunked), its own watermarks on the last chunk, and, when asked, a digest of its
 * own so the node sends back what the peer lacks. When the node's watermark for an
 * origin lies below the peer's tombstone-collection floor, a deletion it missed can
 * no longer be sent, so the peer sends a full snapshot instead, and the node drops
 * its records that the snapshot lacks but the peer's watermarks cover.
 *
 * Wire: r.dig and r.data (types and field names in src/core/gossip/messages.ts).
 */
export class AntiEntropy {
  private readonly inbound = new Map<string, Inbound>();
  private exchangeSeq = 0;

  constructor(
    private readonly registry: Registry,
    private readonly index: OriginIndex,
    private readonly wm: Watermarks,
    /** floors are the per-origin seqs of the newest tombstone this node collected. */
    readonly floors: Map<string, number>,
    private readonly out: Outbox,
    private readonly maxChunkBytes: number,
    /** onAdopted runs after a completed exchange adopted a peer's watermarks. */
    private readonly onAdopted: () => void = () => {},
    /** admit filters a chunk's records before the merge (Replication.admit); `quarantined` taints the exchange. */
    private readonly admit: (from: string, recs: Rec[], fullSnapshot: boolean) => { recs: Rec[]; quarantined: boolean } = (_f, recs) => ({ recs, quarantined: false }),
  ) {}

  /** digestMsg builds an r.dig asking a peer for what this node lacks; pullBack asks it to send its digest too. */
  digestMsg(pullBack: boolean): DigestMsg {
    return { t: 'r.dig', x: ++this.exchangeSeq, w: this.wm.toObject(), p: pullBack ? 1 : 0 };
  }

  /** onDigest answers a peer's (decoded) r.dig with what it lacks. */
  onDigest(from: string, addr: string, msg: DigestMsg, onFull?: () => void): void {
    const theirs = msg.w;
    let full = false;
    for (const [o, f] of this.floors) if ((theirs[o] ?? 0) < f) full = true;
    let recs: Rec[] = [];
    if (full) onFull?.();
    if (full) recs = [...this.registry.records.values()];
    else for (const o of this.index.origins()) recs.push(...this.index.recordsAfter(o, theirs[o] ?? 0));
    const chunks = chunkRecords(recs, this.maxChunkBytes);
    if (chunks.length === 0) chunks.push([]);
    const last = chunks.length - 1;
    chunks.forEach((r, i) => {
      const m: DataMsg = { t: 'r.data', x: msg.x, i, n: chunks.length, r };
      if (full) m.f = 1;
      if (i === last) {
        m.w = this.wm.toObject();
        if (full) m.fl = Object.fromEntries(this.floors);
      }
      this.out.send(from, addr, m);
    });
    if (msg.p === 1) this.out.send(from, addr, this.digestMsg(false));
  }

  /**
   * onData takes one (decoded) chunk and queues its valid records to merge (`tainted`
   * if some were invalid and dropped). Once every chunk of the exchange is in and every
   * merge of it is durable, the peer's watermarks are adopted (and, for a snapshot,
   * what it no longer holds is dropped).
   */
  onData(from: string, msg: DataMsg, tainted: boolean): void {
    const { x, i, n, w: wm, fl } = msg;
    const id = `${from}\u0000${x}`;
    let ex = this.inbound.get(id);
    if (!ex) {
      const oldest = this.inbound.keys().next();
      if (this.inbound.size >= MAX_INBOUND_EXCHANGES && !oldest.done) this.inbound.delete(oldest.value);
      ex = { total: n, seen: new Set(), full: msg.f === 1, tainted: false, merging: 0, complete: false };
      if (ex.full) ex.keys = new Set();
      this.inbound.set(id, ex);
    }
    if (ex.seen.has(i) || ex.total !== n) return;
    ex.seen.add(i);
    if (tainted) ex.tainted = true;
    if (wm) ex.wm = wm;
    if (fl) ex.fl = fl;
    if (ex.keys) for (const r of msg.r) ex.keys.add(r.key);
    const admitted = this.admit(from, msg.r, ex.full);
    if (admitted.quarantined) ex.tainted = true;
    if (ex.seen.size === ex.total) ex.complete = true;
    const fullSync = ex.full ? (ex.complete ? 'last' : 'chunk') : undefined;
    if (this.out.apply(from, admitted.recs, id, fullSync)) ex.merging++;
    this.settle(id, ex);
  }

  /** applied notes that one merge of an exchange is durable (ok) or failed; the last one may adopt the peer's watermarks. */
  applied(id: string, ok: boolean): void {
    const ex = this.inbound.get(id);
    if (!ex) return;
    ex.merging--;
    if (!ok) ex.tainted = true;
    this.settle(id, ex);
  }

  private settle(id: string, ex: Inbound): void {
    if (!ex.complete || ex.merging > 0) return;
    this.inbound.delete(id);
    // Adopting the peer's watermarks is only sound if we now durably hold all it sent us.
    if (!ex.wm || ex.tainted) return;
    if (ex.keys) this.dropMissing(ex.keys, ex.wm);
    for (const o in ex.wm) this.wm.raiseTo(o, ex.wm[o]);
    if (ex.fl) for (const o in ex.fl) if (ex.fl[o] > (this.floors.get(o) ?? 0)) this.floors.set(o, ex.fl[o]);
    this.onAdopted();
    this.out.persist();
  }

  private dropMissing(keys: Set<string>, theirWm: Record<string, number>): void {
    const gone: string[] = [];
    for (const [k, r] of this.registry.records) {
      if (!keys.has(k) && r.seq <= (theirWm[r.node] ?? 0)) gone.push(k);
    }
    this.out.drop(gone);
  }
}

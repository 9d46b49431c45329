import type { Counts } from '../gossip/messages.js';

/** MAX_ACK_PEERS bounds the peers whose reported watermarks are remembered; past it the oldest report is forgotten first. */
export const MAX_ACK_PEERS = 4096;

/**
 * PeerAcks remembers, per peer, the watermarks it last reported (its r.dig `w`, or the
 * `w` on the last chunk of its r.data). A report is what the peer durably holds, as
 * watermarks move only after a merge is durable. Tombstone collection waits until
 * every member has reported a watermark that covers the tombstone (Cassandra's
 * gc_grace, made exact): then no member can still hold the record it deletes.
 */
export class PeerAcks {
  private readonly byPeer = new Map<string, Counts>();

  /** size counts peers with a report. */
  get size(): number {
    return this.byPeer.size;
  }

  /** record keeps a peer's latest report (the newest replaces the older one: a peer that lost data reports less). */
  record(peer: string, w: Counts): void {
    this.byPeer.delete(peer);
    if (this.byPeer.size >= MAX_ACK_PEERS) {
      const oldest = this.byPeer.keys().next();
      if (!oldest.done) this.byPeer.delete(oldest.value);
    }
    this.byPeer.set(peer, w);
  }

  /** get returns a peer's latest report, if any. */
  get(peer: string): Counts | undefined {
    return this.byPeer.get(peer);
  }

  /** covers reports whether every member in `members` has reported a watermark of at least `seq` for `origin`. */
  covers(members: Iterable<string>, origin: string, seq: number): boolean {
    for (const m of members) if ((this.byPeer.get(m)?.[origin] ?? 0) < seq) return false;
    return true;
  }

  /** isBelow reports whether a peer's latest report lies below one of `floors` (it missed a collected delete); an unknown peer is not. */
  isBelow(peer: string, floors: ReadonlyMap<string, number>): boolean {
    const w = this.byPeer.get(peer);
    if (!w) return false;
    for (const [o, f] of floors) if ((w[o] ?? 0) < f) return true;
    return false;
  }

  /** forgetAllBut drops the reports of peers no longer in the member list (reaped). */
  forgetAllBut(isMember: (name: string) => boolean): void {
    for (const p of [...this.byPeer.keys()]) if (!isMember(p)) this.byPeer.delete(p);
  }
}

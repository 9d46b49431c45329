/**
 * Frames addressed to a gossip address whose node name we do not know yet (a join
 * to a seed). They wait, bounded, on the dial to that address until its handshake
 * names the peer; then they move to that peer's queue. One dial per address.
 */
import type { PeerLink } from './peer-link.js';
import type { QueuedFrame } from './send-queue.js';

/** MAX_ADDR_QUEUE bounds frames waiting for a dial to an address not yet named by a handshake. */
export const MAX_ADDR_QUEUE = 64;

/** AddrDials tracks dials by address and the frames waiting on them. */
export class AddrDials {
  private readonly byAddr = new Map<string, { link: PeerLink; frames: QueuedFrame[] }>();
  private readonly addrOfLink = new Map<PeerLink, string>();

  /** has reports whether a dial to addr is in progress. */
  has(addr: string): boolean {
    return this.byAddr.has(addr);
  }

  /** start records a new dial to addr. */
  start(addr: string, link: PeerLink): void {
    this.byAddr.set(addr, { link, frames: [] });
    this.addrOfLink.set(link, addr);
  }

  /** push adds a frame to the dial in progress for addr; it returns how many old frames it evicted. */
  push(addr: string, frame: QueuedFrame): number {
    const d = this.byAddr.get(addr);
    if (!d) return 1;
    d.frames.push(frame);
    if (d.frames.length <= MAX_ADDR_QUEUE) return 0;
    d.frames.shift();
    return 1;
  }

  /** take ends the dial that `link` belongs to and returns its waiting frames (none if it is not such a dial). */
  take(link: PeerLink): QueuedFrame[] {
    const addr = this.addrOfLink.get(link);
    if (addr === undefined) return [];
    this.addrOfLink.delete(link);
    const d = this.byAddr.get(addr);
    if (d?.link !== link) return [];
    this.byAddr.delete(addr);
    return d.frames;
  }

  /** links lists every dial in progress. */
  links(): PeerLink[] {
    return [...this.addrOfLink.keys()];
  }
}

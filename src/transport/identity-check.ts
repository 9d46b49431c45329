import type { Clock, TimerHandle } from '../core/clock.js';
import type { HelloFrame } from './frames.js';
import type { PeerLink } from './peer-link.js';

/** IdentityCheckDeps is what the identity check needs from the transport. */
export interface IdentityCheckDeps {
  clock: Clock;
  /** myAddr is this node's own gossip address. */
  myAddr: string;
  timeoutMs: number;
  /** linkTo returns the current link to a member, if any. */
  linkTo(node: string): PeerLink | undefined;
  /** knownAddr is a member's address as the membership knows it. */
  knownAddr(node: string): string | undefined;
  /** connect dials an address and resolves with the name that answered ('' on failure). */
  connect(addr: string): Promise<string>;
  stopped(): boolean;
}

/**
 * checkClaim decides whether a hello may take a member's name: it is refused (the
 * returned reason names both addresses) when a live member of that name, at another
 * address or boot, still answers; a restarted member whose old process is gone passes.
 */
export async function checkClaim(hello: HelloFrame, d: IdentityCheckDeps): Promise<string | undefined> {
  const old = d.linkTo(hello.node);
  const claim = `${hello.addr} (boot ${hello.boot.slice(0, 8)})`;
  if (old?.state === 'open' && old.peer) {
    if (old.peer.addr === hello.addr && old.peer.boot === hello.boot) return undefined; // the same process dialled again
    if (!(await old.answers(d.timeoutMs))) return undefined;
    return `${hello.node} is live at ${old.peer.addr} (boot ${old.peer.boot.slice(0, 8)}), not ${claim}`;
  }
  const known = d.knownAddr(hello.node);
  if (!known || known === hello.addr || known === d.myAddr || d.stopped()) return undefined;
  let timer: TimerHandle | undefined;
  const reached = await Promise.race([
    d.connect(known).catch(() => ''),
    new Promise<string>((r) => {
      timer = d.clock.setTimeout(() => r(''), d.timeoutMs);
    }),
  ]);
  if (timer) d.clock.clearTimeout(timer);
  return reached === hello.node ? `${hello.node} is live at ${known}, not ${claim}` : undefined;
}

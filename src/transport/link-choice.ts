/**
 * Which link to keep when a second one to the same peer completes its handshake.
 * Both nodes run this rule on the same facts and so keep the same TCP connection
 * without a further round trip.
 */

/** LinkFacts are what the rule looks at for one link. */
export interface LinkFacts {
  /** dialer is the node name that opened the socket. */
  dialer: string;
  /** boot is the peer's per-process random id from its handshake. */
  boot: string;
}

/**
 * keepExistingLink decides between the open link and a newly handshaken one to the
 * same peer. A link from a new boot of the peer replaces the old one (the old one is
 * stale: the process behind it is gone), and so does a redial by the same side (that
 * side gave up on the old one). When the two nodes dialled each other, the link
 * dialled by the smaller node name wins.
 */
export function keepExistingLink(me: string, peer: string, existing: LinkFacts, incoming: LinkFacts): boolean {
  if (existing.boot !== incoming.boot) return false;
  if (existing.dialer === incoming.dialer) return false;
  const preferred = me < peer ? me : peer;
  return existing.dialer === preferred;
}

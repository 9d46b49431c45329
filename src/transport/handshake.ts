/**
 * The connection handshake, a three-way nonce exchange that needs no agreement
 * between clocks. The dialer sends hello (cluster, node, gossip address, boot id,
 * protocol version, a random nonce and its wall time); the acceptor checks it and
 * answers welcome, echoing that nonce and adding a fresh one of its own; the dialer
 * refuses a welcome that does not echo its nonce and answers confirm, echoing the
 * acceptor's. The acceptor opens the link only on a matching confirm. With
 * encryption every frame is sealed, so a recorded session cannot be replayed: the
 * replayer cannot read the fresh nonce it would have to echo. The wall times in the
 * frames are not checked; they measure each peer's clock offset (clock-skew.ts).
 */
import { randomBytes } from 'node:crypto';
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, type ConfirmFrame, type HelloFrame, type WelcomeFrame } from './frames.js';

/** MAX_REMEMBERED_NONCES bounds the replay cache; past it the oldest are forgotten (the confirm still stops their replay). */
export const MAX_REMEMBERED_NONCES = 100_000;

/**
 * HandshakeRefusal lists why a handshake was refused; each has a counter. `identity`:
 * the hello claims the name of a live member at another address or boot. `certificate`:
 * with mutual TLS, the node name claimed is not one the peer's certificate names.
 */
export type HandshakeRefusal = 'wrong_cluster' | 'bad_version' | 'replay' | 'bad_echo' | 'bad_confirm' | 'self' | 'identity' | 'certificate' | 'timeout';

/**
 * checkCertificate returns 'certificate' when mutual TLS is on (certNames is defined)
 * and the claimed node name is not among the names the peer's verified certificate
 * vouches for; undefined otherwise.
 */
export function checkCertificate(certNames: readonly string[] | undefined, claimedNode: string): HandshakeRefusal | undefined {
  if (certNames === undefined) return undefined;
  return certNames.includes(claimedNode) ? undefined : 'certificate';
}

/** Identity is what a node says about itself in a handshake. */
export interface Identity {
  cluster: string;
  node: string;
  addr: string;
  /** boot is random per process start. */
  boot: string;
}

/** makeHello builds a fresh hello for a dialer. */
export function makeHello(me: Identity, nowMs: number): HelloFrame {
  return { k: 'hello', v: PROTOCOL_VERSION, cluster: me.cluster, node: me.node, addr: me.addr, boot: me.boot, nonce: randomBytes(16).toString('base64'), tsMs: nowMs };
}

/** makeWelcome builds the acceptor's answer to a hello. */
export function makeWelcome(me: Identity, hello: HelloFrame, nowMs: number): WelcomeFrame {
  return { k: 'welcome', v: PROTOCOL_VERSION, cluster: me.cluster, node: me.node, addr: me.addr, boot: me.boot, nonce: randomBytes(16).toString('base64'), tsMs: nowMs, echo: hello.nonce };
}

function checkCommon(me: Identity, f: HelloFrame | WelcomeFrame): HandshakeRefusal | undefined {
  if (f.cluster !== me.cluster) return 'wrong_cluster';
  if (f.v < MIN_PROTOCOL_VERSION || f.v > PROTOCOL_VERSION) return 'bad_version';
  if (f.node === me.node) return 'self';
  return undefined;
}

/** checkWelcome returns why a welcome is refused, or undefined when it answers our hello. */
export function checkWelcome(me: Identity, sent: HelloFrame, w: WelcomeFrame): HandshakeRefusal | undefined {
  return checkCommon(me, w) ?? (w.echo === sent.nonce ? undefined : 'bad_echo');
}

/** makeConfirm builds the dialer's last handshake frame: the welcome's nonce echoed, and our wall time. */
export function makeConfirm(w: WelcomeFrame, nowMs: number): ConfirmFrame {
  return { k: 'confirm', echo: w.nonce, tsMs: nowMs };
}

/** checkConfirm returns why a confirm is refused, or undefined when it echoes the nonce of the welcome we sent on this link. */
export function checkConfirm(sent: WelcomeFrame, c: ConfirmFrame): HandshakeRefusal | undefined {
  return c.echo === sent.nonce ? undefined : 'bad_confirm';
}

/**
 * ReplayGuard remembers the nonces of the last MAX_REMEMBERED_NONCES hellos, so that
 * a replayed hello is refused at once as `replay`. It looks at no clock: peers' clocks
 * may be hours apart. What makes replay protection complete is the confirm (a
 * replayed hello gets a welcome with a fresh nonce that only a key holder can echo);
 * this cache only spares the work and counts the attempts.
 */
export class ReplayGuard {
  private readonly seen = new Set<string>();

  constructor(private readonly maxNonces = MAX_REMEMBERED_NONCES) {}

  /** checkHello returns why a hello is refused, or undefined (and remembers its nonce) when it is new. */
  checkHello(me: Identity, h: HelloFrame): HandshakeRefusal | undefined {
    const common = checkCommon(me, h);
    if (common) return common;
    if (this.seen.has(h.nonce)) return 'replay';
    this.seen.add(h.nonce);
    // Set iteration is insertion order: forget the oldest first.
    if (this.seen.size > this.maxNonces) for (const n of this.seen) {
      this.seen.delete(n);
      if (this.seen.size <= this.maxNonces) break;
    }
    return undefined;
  }

  /** size is the number of remembered nonces (for tests and metrics). */
  get size(): number {
    return this.seen.size;
  }
}

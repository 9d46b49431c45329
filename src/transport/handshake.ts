/**
 * The connection handshake. The dialer sends hello (cluster, node, gossip address,
 * protocol version, a random nonce and its wall time); the acceptor checks it and
 * answers welcome, echoing the nonce. The acceptor refuses a hello whose time is
 * outside the skew window or whose nonce it has already seen (a replay), and the
 * dialer refuses a welcome that does not echo its own nonce. With encryption the
 * whole exchange is sealed, so only key holders can produce a fresh hello.
 */
import { randomBytes } from 'node:crypto';
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, type HelloFrame, type WelcomeFrame } from './frames.js';

/** HANDSHAKE_SKEW_MS is how far a hello's timestamp may be from our clock. */
export const HANDSHAKE_SKEW_MS = 30_000;
/** MAX_REMEMBERED_NONCES bounds the replay cache; past it the oldest are forgotten early. */
export const MAX_REMEMBERED_NONCES = 100_000;

/** HandshakeRefusal lists why a handshake was refused; each has a counter. */
export type HandshakeRefusal = 'wrong_cluster' | 'bad_version' | 'stale' | 'replay' | 'bad_echo' | 'self' | 'timeout';

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

/**
 * ReplayGuard remembers the nonces of hellos accepted within the skew window. A hello
 * older than the window is refused as stale, so nonces need only be kept that long.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  constructor(private readonly skewMs = HANDSHAKE_SKEW_MS) {}

  /** checkHello returns why a hello is refused, or undefined (and remembers its nonce) when it is fresh. */
  checkHello(me: Identity, h: HelloFrame, nowMs: number): HandshakeRefusal | undefined {
    const common = checkCommon(me, h);
    if (common) return common;
    if (Math.abs(nowMs - h.tsMs) > this.skewMs) return 'stale';
    this.prune(nowMs);
    if (this.seen.has(h.nonce)) return 'replay';
    this.seen.set(h.nonce, h.tsMs + this.skewMs);
    return undefined;
  }

  /** size is the number of remembered nonces (for tests and metrics). */
  get size(): number {
    return this.seen.size;
  }

  private prune(nowMs: number): void {
    // Map iteration is insertion order, which is close to expiry order; stop at the first live one.
    for (const [n, exp] of this.seen) {
      if (exp >= nowMs && this.seen.size < MAX_REMEMBERED_NONCES) break;
      this.seen.delete(n);
    }
  }
}

/**
 * PeerLink is one WebSocket to one peer: it runs the handshake for its side, then
 * decodes frames into engine messages. Any bad frame closes the link (after the
 * owner has logged and counted it): a peer that sends garbage is not worth reading
 * further, and closing is the one response that bounds the damage.
 */
import type { WebSocket } from 'ws';
import type { WireCodec } from './codec.js';
import { FrameError, type Frame, type HelloFrame, type WireMsg } from './frames.js';
import { checkWelcome, makeHello, makeWelcome, type HandshakeRefusal, type Identity, type ReplayGuard } from './handshake.js';

/** CLOSE_REFUSED is the WebSocket close code for a refused handshake or a bad frame. */
export const CLOSE_REFUSED = 4001;
/** CLOSE_DUPLICATE closes the losing link when two nodes dialled each other at once. */
export const CLOSE_DUPLICATE = 4002;
/** CLOSE_SHUTDOWN closes links when a transport stops. */
export const CLOSE_SHUTDOWN = 4003;

/** LinkHooks are how a link reports to its transport. */
export interface LinkHooks {
  /** established fires once the handshake succeeds; returning false closes the link as a duplicate. */
  established(link: PeerLink): boolean;
  /** message delivers one engine message from the peer. */
  message(link: PeerLink, msg: WireMsg): void;
  /** rejected reports a refused frame or handshake (before the link closes). */
  rejected(link: PeerLink, kind: 'frame' | 'handshake', reason: string, detail: string): void;
  /** closed fires once, when the socket is gone. */
  closed(link: PeerLink, code: number, reason: string): void;
  /** received counts incoming bytes. */
  received(bytes: number): void;
}

/** LinkContext is the shared per-transport state a link needs. */
export interface LinkContext {
  me: Identity;
  codec: WireCodec;
  replay: ReplayGuard;
  nowMs(): number;
  handshakeTimeoutMs: number;
}

/** PeerLink wraps one WebSocket through handshake and message exchange. */
export class PeerLink {
  /** peer is the remote identity, known once the handshake is done. */
  peer?: Identity;
  /** state: `closing` is a duplicate link being retired, still delivering what is in flight on it. */
  state: 'handshaking' | 'open' | 'closing' | 'closed' = 'handshaking';
  /** inflightBytes counts bytes handed to ws and not yet written to the socket. */
  inflightBytes = 0;
  private hello?: HelloFrame;
  private timer?: NodeJS.Timeout;

  constructor(
    readonly ws: WebSocket,
    /** dialer names the node that opened the socket: the tie-break for simultaneous dials. */
    readonly direction: 'out' | 'in',
    private readonly ctx: LinkContext,
    private readonly hooks: LinkHooks,
  ) {
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data, isBinary) => this.onData(data as Buffer, isBinary));
    ws.on('close', (code, reason) => this.onClose(code, reason.toString()));
    ws.on('error', (err: Error & { code?: string }) => {
      // ws raises its own protocol errors (oversized message, bad opcode) here and then closes.
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.hooks.rejected(this, 'frame', 'oversize', err.message);
      else if (err.code?.startsWith('WS_ERR_')) this.hooks.rejected(this, 'frame', 'malformed', err.message);
    });
    this.timer = setTimeout(() => this.refuse('handshake', 'timeout', 'no handshake in time'), ctx.handshakeTimeoutMs);
    this.timer.unref();
  }

  /** dialer returns the node name that opened this socket, once the peer is known. */
  get dialer(): string | undefined {
    if (!this.peer) return undefined;
    return this.direction === 'out' ? this.ctx.me.node : this.peer.node;
  }

  /** startHandshake sends our hello; only the dialling side calls it, once the socket opens. */
  startHandshake(): void {
    this.hello = makeHello(this.ctx.me, this.ctx.nowMs());
    this.write(this.ctx.codec.encode(this.hello));
  }

  /** write hands encoded bytes to the socket and tracks them until written. */
  write(bytes: Buffer, done?: () => void): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.inflightBytes += bytes.length;
    this.ws.send(bytes, { binary: true }, () => {
      this.inflightBytes -= bytes.length;
      done?.();
    });
  }

  /** close ends the link with a code and a short reason. */
  close(code: number, reason: string): void {
    if (this.state === 'closed' || this.state === 'closing') return;
    // A retired duplicate still delivers frames the peer wrote before it saw the close.
    this.state = code === CLOSE_DUPLICATE && this.state === 'open' ? 'closing' : 'closed';
    clearTimeout(this.timer);
    try {
      this.ws.close(code, reason.slice(0, 120));
    } catch {
      this.ws.terminate();
    }
    // A peer that ignores the close handshake must not keep the socket alive.
    setTimeout(() => this.ws.terminate(), 2_000).unref();
  }

  private refuse(kind: 'frame' | 'handshake', reason: string, detail: string): void {
    if (this.state === 'closed') return;
    this.hooks.rejected(this, kind, reason, detail);
    if (this.state === 'closing') {
      this.state = 'closed';
      this.ws.terminate();
      return;
    }
    this.close(CLOSE_REFUSED, `${kind === 'frame' ? 'bad frame' : 'handshake refused'}: ${reason}`);
  }

  private onData(data: Buffer, isBinary: boolean): void {
    if (this.state === 'closed') return;
    this.hooks.received(data.length);
    const during = this.state === 'handshaking' ? 'handshake' : 'frame';
    if (!isBinary) return this.refuse(during, 'text', 'text message on a gossip link');
    let frame: Frame;
    try {
      frame = this.ctx.codec.decode(data);
    } catch (e) {
      if (e instanceof FrameError) return this.refuse(during, e.reason, e.message);
      return this.refuse(during, 'malformed', String(e));
    }
    if (this.state === 'handshaking') this.onHandshakeFrame(frame);
    else this.onOpenFrame(frame);
  }

  private onHandshakeFrame(frame: Frame): void {
    const now = this.ctx.nowMs();
    let refusal: HandshakeRefusal | undefined;
    if (this.direction === 'in') {
      if (frame.k !== 'hello') return this.refuse('handshake', 'unexpected', `expected hello, got ${frame.k}`);
      refusal = this.ctx.replay.checkHello(this.ctx.me, frame, now);
      if (refusal) return this.refuse('handshake', refusal, `hello from ${frame.node} (${frame.addr}) refused`);
      this.peer = { cluster: frame.cluster, node: frame.node, addr: frame.addr, boot: frame.boot };
      this.write(this.ctx.codec.encode(makeWelcome(this.ctx.me, frame, now)));
    } else {
      if (frame.k !== 'welcome' || !this.hello) return this.refuse('handshake', 'unexpected', `expected welcome, got ${frame.k}`);
      refusal = checkWelcome(this.ctx.me, this.hello, frame);
      if (refusal) return this.refuse('handshake', refusal, `welcome from ${frame.node} (${frame.addr}) refused`);
      this.peer = { cluster: frame.cluster, node: frame.node, addr: frame.addr, boot: frame.boot };
    }
    clearTimeout(this.timer);
    this.state = 'open';
    if (!this.hooks.established(this)) this.close(CLOSE_DUPLICATE, 'duplicate link');
  }

  private onOpenFrame(frame: Frame): void {
    if (frame.k === 'msg') this.hooks.message(this, frame.m);
    else if (frame.k === 'batch') {
      for (const m of frame.ms) if (this.state !== 'closed') this.hooks.message(this, m);
    }
    else this.refuse('frame', 'unexpected', `${frame.k} after the handshake`);
  }

  private onClose(code: number, reason: string): void {
    clearTimeout(this.timer);
    this.state = 'closed';
    this.hooks.closed(this, code, reason);
  }
}

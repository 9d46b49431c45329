/**
 * PeerLink is one WebSocket to one peer: it runs the handshake for its side, then
 * decodes frames into engine messages. Any bad frame closes the link (after the
 * owner has logged and counted it): a peer that sends garbage is not worth reading
 * further, and closing is the one response that bounds the damage.
 */
import type { WebSocket } from 'ws';
import type { WireCodec } from './codec.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { peerOffsetMs } from '../core/membership/clock-skew.js';
import { FrameError, type Frame, type HelloFrame, type WelcomeFrame, type WireMsg } from './frames.js';
import { checkCertificate, checkConfirm, checkWelcome, makeConfirm, makeHello, makeWelcome, type Identity, type ReplayGuard } from './handshake.js';

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
  /**
   * vetHello looks at an accepted hello before it is welcomed and resolves with why
   * its claimed identity is refused (a live member already has that name), or undefined.
   */
  vetHello?(link: PeerLink, hello: HelloFrame): Promise<string | undefined>;
}

/** LinkContext is the shared per-transport state a link needs. */
export interface LinkContext {
  me: Identity;
  codec: WireCodec;
  replay: ReplayGuard;
  /** nowMs is the wall clock (ms since the epoch): what peers' clocks are measured against. */
  nowMs(): number;
  /** monoMs is a monotonic clock (ms), for round-trip times that a stepped wall clock must not distort. */
  monoMs(): number;
  handshakeTimeoutMs: number;
  /** clock gives the link its timers (the transport's Clock seam). */
  clock: Clock;
  /** clockSampleIntervalMs is how often an open link measures the peer's clock again (0: only at the handshake). */
  clockSampleIntervalMs: number;
}

/** MAX_CLOCK_RTT_MS: a clock sample whose round trip took longer than this says too little and is dropped. */
export const MAX_CLOCK_RTT_MS = 10_000;

/** PeerLink wraps one WebSocket through handshake and message exchange. */
export class PeerLink {
  /** peer is the remote identity, known once the handshake is done. */
  peer?: Identity;
  /** state: `closing` is a duplicate link being retired, still delivering what is in flight on it. */
  state: 'handshaking' | 'open' | 'closing' | 'closed' = 'handshaking';
  /** inflightBytes counts bytes handed to ws and not yet written to the socket. */
  inflightBytes = 0;
  /** dialAddr is the address this link dialled (outgoing links only). */
  dialAddr?: string;
  /**
   * certNames lists the node names the peer's verified TLS certificate vouches for;
   * undefined when the transport does not use mutual TLS. A hello or welcome claiming
   * another name is refused as `certificate`.
   */
  certNames?: string[];
  /** clockOffsetMs is the peer's wall clock minus ours, from the latest measurement (undefined until the handshake is done). */
  clockOffsetMs?: number;
  private hello?: HelloFrame;
  private welcome?: WelcomeFrame;
  /** sentAt is when our hello (dialer) or welcome (acceptor) went out: wall and monotonic ms. */
  private sentAt = { wallMs: 0, monoMs: 0 };
  /** vetting is set while an acceptor waits for vetHello; any frame then is unexpected. */
  private vetting = false;
  private timer?: TimerHandle;
  private clockTimer?: TimerHandle;
  private clockQuery?: { q: number; wallMs: number; monoMs: number };
  private clockSeq = 0;

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
    this.timer = ctx.clock.setTimeout(() => this.refuse('handshake', 'timeout', 'no handshake in time'), ctx.handshakeTimeoutMs);
  }

  /** dialer returns the node name that opened this socket, once the peer is known. */
  get dialer(): string | undefined {
    if (!this.peer) return undefined;
    return this.direction === 'out' ? this.ctx.me.node : this.peer.node;
  }

  /** startHandshake sends our hello; only the dialling side calls it, once the socket opens. */
  startHandshake(): void {
    this.sentAt = { wallMs: this.ctx.nowMs(), monoMs: this.ctx.monoMs() };
    this.hello = makeHello(this.ctx.me, this.sentAt.wallMs);
    this.write(this.ctx.codec.encode(this.hello));
  }

  /**
   * answers pings the peer on this open link and resolves true if a pong comes back
   * within timeoutMs: the test of "the live member still answers" before a second
   * claimant of its name is refused.
   */
  answers(timeoutMs: number): Promise<boolean> {
    const ws = this.ws;
    if (this.state !== 'open' || ws.readyState !== ws.OPEN) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (alive: boolean) => {
        this.ctx.clock.clearTimeout(t);
        ws.off('pong', onPong);
        ws.off('close', onClose);
        resolve(alive);
      };
      const onPong = () => done(true);
      const onClose = () => done(false);
      const t = this.ctx.clock.setTimeout(() => done(false), timeoutMs);
      ws.on('pong', onPong);
      ws.on('close', onClose);
      try {
        ws.ping();
      } catch {
        done(false);
      }
    });
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
    this.stopTimers();
    try {
      this.ws.close(code, reason.slice(0, 120));
    } catch {
      this.ws.terminate();
    }
    // A peer that ignores the close handshake must not keep the socket alive.
    this.ctx.clock.setTimeout(() => this.ws.terminate(), 2_000);
  }

  private refuse(kind: 'frame' | 'handshake', reason: string, detail: string): void {
    if (this.state === 'closed') return;
    this.hooks.rejected(this, kind, reason, detail);
    if (this.state === 'closing') {
      this.state = 'closed';
      this.ws.terminate();
      return;
    }
    // An identity refusal carries its detail, so the refused daemon can name both addresses.
    this.close(CLOSE_REFUSED, `${kind === 'frame' ? 'bad frame' : 'handshake refused'}: ${reason}${reason === 'identity' ? `: ${detail}` : ''}`);
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
    if (this.direction === 'in') return this.onAcceptorFrame(frame);
    if (frame.k !== 'welcome' || !this.hello) return this.refuse('handshake', 'unexpected', `expected welcome, got ${frame.k}`);
    const refusal = checkWelcome(this.ctx.me, this.hello, frame) ?? checkCertificate(this.certNames, frame.node);
    if (refusal) return this.refuse('handshake', refusal, `welcome from ${frame.node} (${frame.addr}) refused${refusal === 'certificate' ? `: its certificate names ${this.certNames!.join(', ') || 'no node'}` : ''}${refusal === 'wrong_cluster' ? `: it is in cluster ${JSON.stringify(frame.cluster)}, this node in ${JSON.stringify(this.ctx.me.cluster)}` : ''}`);
    this.peer = { cluster: frame.cluster, node: frame.node, addr: frame.addr, boot: frame.boot };
    const now = this.ctx.nowMs();
    this.write(this.ctx.codec.encode(makeConfirm(frame, now)));
    this.noteOffset(this.sentAt, frame.tsMs);
    this.open();
  }

  private onAcceptorFrame(frame: Frame): void {
    if (this.vetting) return this.refuse('handshake', 'unexpected', `${frame.k} before our welcome`);
    if (!this.welcome) {
      if (frame.k !== 'hello') return this.refuse('handshake', 'unexpected', `expected hello, got ${frame.k}`);
      const refusal = checkCertificate(this.certNames, frame.node) ?? this.ctx.replay.checkHello(this.ctx.me, frame);
      if (refusal) return this.refuse('handshake', refusal, `hello from ${frame.node} (${frame.addr}) refused${refusal === 'certificate' ? `: its certificate names ${this.certNames!.join(', ') || 'no node'}` : ''}${refusal === 'wrong_cluster' ? `: it is in cluster ${JSON.stringify(frame.cluster)}, this node in ${JSON.stringify(this.ctx.me.cluster)}` : ''}`);
      const hello = frame;
      this.vetting = true;
      const vet = this.hooks.vetHello ? this.hooks.vetHello(this, hello) : Promise.resolve(undefined);
      void vet.then(
        (conflict) => this.afterVet(hello, conflict),
        (e: unknown) => this.afterVet(hello, `identity check failed: ${String(e)}`),
      );
      return;
    }
    if (frame.k !== 'confirm') return this.refuse('handshake', 'unexpected', `expected confirm, got ${frame.k}`);
    const refusal = checkConfirm(this.welcome, frame);
    if (refusal) return this.refuse('handshake', refusal, `confirm from ${this.peer?.node ?? '?'} does not echo our welcome`);
    this.noteOffset(this.sentAt, frame.tsMs);
    this.open();
  }

  private afterVet(hello: HelloFrame, conflict: string | undefined): void {
    this.vetting = false;
    if (this.state !== 'handshaking') return;
    if (conflict) return this.refuse('handshake', 'identity', conflict);
    this.peer = { cluster: hello.cluster, node: hello.node, addr: hello.addr, boot: hello.boot };
    this.sentAt = { wallMs: this.ctx.nowMs(), monoMs: this.ctx.monoMs() };
    this.welcome = makeWelcome(this.ctx.me, hello, this.sentAt.wallMs);
    this.write(this.ctx.codec.encode(this.welcome));
  }

  private open(): void {
    if (this.timer) this.ctx.clock.clearTimeout(this.timer);
    this.state = 'open';
    this.armClockSample();
    if (!this.hooks.established(this)) this.close(CLOSE_DUPLICATE, 'duplicate link');
  }

  // The clock is sampled every clockSampleIntervalMs while the link is open (one timer, re-armed).
  private armClockSample(): void {
    if (this.ctx.clockSampleIntervalMs <= 0 || this.state !== 'open') return;
    this.clockTimer = this.ctx.clock.setTimeout(() => {
      this.sampleClock();
      this.armClockSample();
    }, this.ctx.clockSampleIntervalMs);
  }

  private stopTimers(): void {
    if (this.timer) this.ctx.clock.clearTimeout(this.timer);
    if (this.clockTimer) this.ctx.clock.clearTimeout(this.clockTimer);
    this.timer = this.clockTimer = undefined;
  }

  private sampleClock(): void {
    if (this.state !== 'open') return;
    this.clockQuery = { q: ++this.clockSeq, wallMs: this.ctx.nowMs(), monoMs: this.ctx.monoMs() };
    this.write(this.ctx.codec.encode({ k: 'tick', q: this.clockQuery.q, tsMs: this.clockQuery.wallMs }));
  }

  private noteOffset(sent: { wallMs: number; monoMs: number }, peerWallMs: number): void {
    const rttMs = this.ctx.monoMs() - sent.monoMs;
    if (rttMs > MAX_CLOCK_RTT_MS) return;
    this.clockOffsetMs = peerOffsetMs(sent.wallMs, rttMs, peerWallMs);
  }

  private onOpenFrame(frame: Frame): void {
    if (frame.k === 'msg') this.hooks.message(this, frame.m);
    else if (frame.k === 'batch') {
      for (const m of frame.ms) if (this.state !== 'closed') this.hooks.message(this, m);
    } else if (frame.k === 'tick') {
      if (this.state === 'open') this.write(this.ctx.codec.encode({ k: 'tock', q: frame.q, tsMs: this.ctx.nowMs() }));
    } else if (frame.k === 'tock') {
      const q = this.clockQuery;
      if (q && q.q === frame.q) {
        this.clockQuery = undefined;
        this.noteOffset(q, frame.tsMs);
      }
    } else this.refuse('frame', 'unexpected', `${frame.k} after the handshake`);
  }

  private onClose(code: number, reason: string): void {
    this.stopTimers();
    this.state = 'closed';
    this.hooks.closed(this, code, reason);
  }
}

/**
 * WsTransport carries engine messages between daemons over persistent WebSockets:
 * one logical link per peer, dialled on demand, reused for every message, redialled
 * with bounded backoff. It accepts on gossipAddr, runs the handshake (with optional
 * AES-256-GCM sealing), drops and counts bad input, bounds every queue, and tells its
 * owner when a link to a peer goes down (the engine probes that peer at once).
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TimerHandle } from '../core/clock.js';
import { WebSocket, type WebSocketServer } from 'ws';
import type { WireMsg } from './frames.js';
import { AddrDials } from './addr-dials.js';
import { backoffDelayMs, DEFAULT_BACKOFF } from './backoff.js';
import { WireCodec } from './codec.js';
import type { HelloFrame } from './frames.js';
import { ReplayGuard, type Identity } from './handshake.js';
import { Keyring, parseEncryptKeys } from './keyring.js';
import { TransportStats } from './metrics.js';
import { CLOSE_DUPLICATE, CLOSE_REFUSED, CLOSE_SHUTDOWN, PeerLink, type LinkContext, type LinkHooks } from './peer-link.js';
import { DEFAULT_SEND_QUEUE_LIMITS, SendQueue, type QueuedFrame } from './send-queue.js';
import { splitAddr, type TransportEvents, type WsTransportOptions } from './options.js';
import { checkClaim } from './identity-check.js';
import { keepExistingLink } from './link-choice.js';
import { LogLimiter, SILENT_LOGGER } from './log.js';
import { listenGossip, socketCertNames, tlsDialOptions } from './secure.js';

export { splitAddr, type TransportEvents, type WsTransportOptions } from './options.js';

/** GOSSIP_PATH is the HTTP path of the gossip WebSocket endpoint. */
export const GOSSIP_PATH = '/gossip';
/** DEFAULT_CLOCK_SAMPLE_INTERVAL_MS is how often an open link re-measures its peer's clock, so a clock stepped at run time is seen. */
export const DEFAULT_CLOCK_SAMPLE_INTERVAL_MS = 5_000;
/** IDENTITY_REFUSED_PREFIX starts the close reason of a hello refused because its name belongs to a live member. */
export const IDENTITY_REFUSED_PREFIX = 'handshake refused: identity: ';

interface Peer {
  name: string;
  addr?: string;
  link?: PeerLink;
  dialing?: PeerLink;
  queue: SendQueue;
  failures: number;
  nextDialAtMs: number;
  retryTimer?: TimerHandle;
  /** keep is set once we sent to or dialled this peer: it is a member, and its address and backoff are worth keeping. */
  keep?: boolean;
}

/** WsTransport is the real gossip transport of a daemon. */
export class WsTransport extends EventEmitter<TransportEvents> {
  readonly stats: TransportStats;
  private readonly codec: WireCodec;
  private readonly log: LogLimiter;
  private readonly peers = new Map<string, Peer>();
  private readonly pending = new Set<PeerLink>();
  private readonly addrDials = new AddrDials();
  private readonly waiters = new Map<PeerLink, { resolve: (n: string) => void; reject: (e: Error) => void }>();
  private readonly ctx: LinkContext;
  private readonly hooks: LinkHooks;
  private server?: WebSocketServer;
  private tlsServer?: HttpsServer;
  private stopped = false;
  private me: Identity;

  constructor(private readonly opts: WsTransportOptions) {
    super();
    this.stats = opts.stats ?? new TransportStats();
    const keys = opts.encryptKeys && opts.encryptKeys.length > 0 ? parseEncryptKeys(opts.encryptKeys) : undefined;
    this.codec = new WireCodec(opts.maxFrameBytes, keys ? new Keyring(keys, opts.cluster) : undefined);
    this.log = new LogLimiter(opts.logger ?? SILENT_LOGGER, () => opts.clock.monoMs());
    this.me = { cluster: opts.cluster, node: opts.nodeName, addr: opts.gossipAddr, boot: opts.bootId ?? randomBytes(8).toString('hex') };
    this.ctx = {
      me: this.me,
      codec: this.codec,
      replay: new ReplayGuard(),
      nowMs: opts.wallMs ?? (() => opts.clock.nowMs()),
      monoMs: () => opts.clock.monoMs(),
      clock: opts.clock,
      handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 5_000,
      clockSampleIntervalMs: opts.clockSampleIntervalMs ?? DEFAULT_CLOCK_SAMPLE_INTERVAL_MS,
    };
    this.hooks = {
      established: (l) => this.onEstablished(l),
      message: (l, m) => {
        this.stats.inc('frames_in');
        this.emit('message', l.peer!.node, m);
      },
      rejected: (l, kind, reason, detail) => this.onRejected(l, kind, reason, detail),
      closed: (l, code, reason) => this.onClosed(l, code, reason),
      received: (n) => this.stats.inc('bytes_in', '', n),
      vetHello: (_l, hello) => this.vetHello(hello),
    };
  }

  /** address is this node's advertised gossip address (with the real port once listening). */
  get address(): string {
    return this.me.addr;
  }

  /** bootId is this process start's random id, sent in every handshake. */
  get bootId(): string {
    return this.me.boot;
  }

  /** peerClockOffsets maps each peer with an open, measured link to its clock minus ours (ms). */
  peerClockOffsets(): Map<string, number> {
    const out = new Map<string, number>();
    for (const p of this.peers.values()) {
      const off = p.link?.state === 'open' ? p.link.clockOffsetMs : undefined;
      if (off !== undefined) out.set(p.name, off);
    }
    return out;
  }

  /** encrypted tells whether frames are sealed. */
  get encrypted(): boolean {
    return this.codec.encrypted;
  }

  /** listen starts the WebSocket server and resolves with the advertised address. */
  async listen(): Promise<string> {
    const [advHost, advPort] = splitAddr(this.opts.gossipAddr);
    const host = this.opts.bindHost ?? advHost;
    const port = this.opts.bindPort ?? advPort;
    const { wss, tlsServer } = await listenGossip({ host, port, path: GOSSIP_PATH, maxPayload: this.opts.maxFrameBytes }, this.opts.tls, (err, remote) => {
      this.stats.inc('handshake_refused', 'tls');
      this.log.warn('tls', { remote, err: err.message }, 'gossip TLS handshake refused (no certificate from the cluster CA?)');
    });
    this.tlsServer = tlsServer;
    this.server = wss;
    wss.on('error', (e) => this.log.warn('server', { err: e.message }, 'gossip server error'));
    wss.on('connection', (ws, req) => this.onInbound(ws, req.socket.remoteAddress ?? '?', this.opts.tls ? socketCertNames(req.socket) : undefined));
    const bound = ((this.tlsServer ?? wss).address() as AddressInfo).port;
    if (advPort === 0) this.me.addr = `${advHost}:${bound}`;
    return this.me.addr;
  }

  /**
   * send queues one message for a peer and dials it if needed; false means it was
   * dropped at once. `to` may be '' when only the address is known (a join to a seed):
   * the message then waits for that address's handshake, which names the peer.
   */
  send(to: string, msg: WireMsg, addr = ''): boolean {
    if (this.stopped || to === this.me.node) return false;
    let bytes: Buffer;
    try {
      bytes = this.codec.encodeMsg(msg);
    } catch (e) {
      this.stats.inc('send_dropped', 'oversize');
      this.log.warn('send-oversize', { to, t: msg.t, err: (e as Error).message }, 'outgoing gossip message dropped');
      return false;
    }
    const critical = (this.opts.isCritical ?? ((m: WireMsg) => m.t.startsWith('r.')))(msg);
    const frame = { bytes, critical, enqueuedAtMs: this.opts.clock.monoMs() };
    if (to === '') {
      // A join list shared by every node names this node too: do not dial ourselves.
      if (addr === this.me.addr) return false;
      if (!addr) {
        this.stats.inc('send_dropped', 'no_route');
        return false;
      }
      for (const p of this.peers.values()) if (p.link?.state === 'open' && p.addr === addr) return this.enqueue(p, frame);
      return this.enqueueForAddr(addr, frame);
    }
    const peer = this.peer(to);
    if (addr) peer.addr = addr;
    return this.enqueue(peer, frame);
  }

  private enqueue(peer: Peer, frame: QueuedFrame): boolean {
    peer.keep = true;
    const evicted = peer.queue.push(frame);
    if (evicted > 0) this.stats.inc('send_dropped', 'queue_full', evicted);
    this.pump(peer);
    return true;
  }

  // Frames for an address whose node name we learn only from the handshake.
  private enqueueForAddr(addr: string, frame: QueuedFrame): boolean {
    if (!this.addrDials.has(addr)) {
      const link = this.dial(addr);
      if (!link) return false;
      this.addrDials.start(addr, link);
    }
    const evicted = this.addrDials.push(addr, frame);
    if (evicted > 0) this.stats.inc('send_dropped', 'queue_full', evicted);
    return true;
  }

  /** connect dials an address (a join target) and resolves with the peer's node name once the handshake is done. */
  connect(addr: string): Promise<string> {
    for (const p of this.peers.values()) if (p.link?.state === 'open' && p.addr === addr) return Promise.resolve(p.name);
    return new Promise((resolve, reject) => {
      const link = this.dial(addr);
      if (!link) return reject(new Error('transport stopped'));
      this.waiters.set(link, { resolve, reject });
    });
  }

  /** connectedPeers lists peers with an open link. */
  connectedPeers(): string[] {
    return [...this.peers.values()].filter((p) => p.link?.state === 'open').map((p) => p.name);
  }

  /** queuedFrames counts frames waiting in all peer queues. */
  queuedFrames(): number {
    let n = 0;
    for (const p of this.peers.values()) n += p.queue.length;
    return n;
  }

  /** forget drops a peer's queue and link (the engine reaped it); a later send dials afresh. */
  forget(node: string): void {
    const p = this.peers.get(node);
    if (!p) return;
    if (p.retryTimer) this.opts.clock.clearTimeout(p.retryTimer);
    const dropped = p.queue.clear();
    if (dropped > 0) this.stats.inc('send_dropped', 'forgotten', dropped);
    p.link?.close(CLOSE_SHUTDOWN, 'forgotten');
    this.peers.delete(node);
  }

  /** close stops accepting, closes every link and drops every queue. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const p of this.peers.values()) {
      if (p.retryTimer) this.opts.clock.clearTimeout(p.retryTimer);
      p.queue.clear();
      p.link?.close(CLOSE_SHUTDOWN, 'shutdown');
      p.dialing?.close(CLOSE_SHUTDOWN, 'shutdown');
    }
    for (const l of this.pending) l.close(CLOSE_SHUTDOWN, 'shutdown');
    for (const l of this.addrDials.links()) l.close(CLOSE_SHUTDOWN, 'shutdown');
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    const tlsServer = this.tlsServer;
    if (tlsServer) {
      tlsServer.closeAllConnections();
      await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
    }
  }

  private peer(name: string): Peer {
    let p = this.peers.get(name);
    if (!p) {
      p = { name, queue: new SendQueue(this.opts.queue ?? DEFAULT_SEND_QUEUE_LIMITS), failures: 0, nextDialAtMs: 0 };
      this.peers.set(name, p);
    }
    return p;
  }

  private pump(peer: Peer): void {
    const link = peer.link;
    if (link?.state !== 'open') return this.ensureDial(peer);
    const highWater = this.opts.highWaterBytes ?? 1024 * 1024;
    const expired = { count: 0 };
    while (peer.queue.length > 0 && link.inflightBytes < highWater) {
      const f = peer.queue.shift(this.opts.clock.monoMs(), expired);
      if (!f) break;
      this.stats.inc('frames_out');
      this.stats.inc('bytes_out', '', f.bytes.length);
      // Once the socket has taken this frame, more may follow; this keeps the queue moving under backpressure.
      link.write(f.bytes, () => {
        if (peer.queue.length > 0 && peer.link === link) this.pump(peer);
      });
    }
    if (expired.count > 0) this.stats.inc('send_dropped', 'expired', expired.count);
  }

  private ensureDial(peer: Peer): void {
    if (this.stopped || peer.dialing || peer.link?.state === 'open' || peer.queue.length === 0) return;
    const addr = peer.addr ?? this.opts.resolveAddr?.(peer.name);
    if (!addr) {
      const n = peer.queue.clear();
      this.stats.inc('send_dropped', 'no_route', n);
      this.log.warn(`no-route:${peer.name}`, { to: peer.name }, 'no gossip address known for peer; messages dropped');
      return;
    }
    peer.addr = addr;
    const wait = peer.nextDialAtMs - this.opts.clock.monoMs();
    if (wait > 0) {
      if (!peer.retryTimer) {
        peer.retryTimer = this.opts.clock.setTimeout(() => {
          peer.retryTimer = undefined;
          this.ensureDial(peer);
        }, wait);
      }
      return;
    }
    peer.dialing = this.dial(addr);
  }

  private dial(addr: string): PeerLink | undefined {
    if (this.stopped) return undefined;
    this.stats.inc('dials');
    const tls = this.opts.tls;
    const ws = new WebSocket(`${tls ? 'wss' : 'ws'}://${addr}${GOSSIP_PATH}`, { maxPayload: this.opts.maxFrameBytes, perMessageDeflate: false, handshakeTimeout: 3_000, ...(tls ? tlsDialOptions(tls) : {}) });
    const link = new PeerLink(ws, 'out', this.ctx, this.hooks);
    link.dialAddr = addr;
    if (tls) ws.once('upgrade', (res) => (link.certNames = socketCertNames(res.socket)));
    ws.on('error', (e: Error & { code?: string }) => {
      if (!e.code?.startsWith('WS_ERR_')) this.log.debug(`dial:${addr}`, { addr, err: e.message }, 'gossip dial failed');
    });
    ws.once('open', () => {
      try {
        link.startHandshake();
      } catch (e) {
        this.log.warn('hello', { err: (e as Error).message }, 'could not send hello');
        link.close(CLOSE_REFUSED, 'hello failed');
      }
    });
    return link;
  }

  private onInbound(ws: WebSocket, remote: string, certNames: string[] | undefined): void {
    if (this.stopped || this.pending.size >= (this.opts.maxPendingHandshakes ?? 64)) {
      this.stats.inc('handshake_refused', 'busy');
      this.log.warn('busy', { remote }, 'gossip connection refused: too many pending handshakes');
      ws.close(1013, 'busy');
      return;
    }
    const link = new PeerLink(ws, 'in', this.ctx, this.hooks);
    link.certNames = certNames;
    this.pending.add(link);
  }

  private onEstablished(link: PeerLink): boolean {
    this.pending.delete(link);
    const id = link.peer!;
    const peer = this.peer(id.node);
    peer.addr = id.addr;
    if (link.direction === 'out') peer.keep = true;
    this.waiters.get(link)?.resolve(id.node);
    this.waiters.delete(link);
    if (peer.dialing === link) peer.dialing = undefined;
    const viaAddr = this.addrDials.take(link);
    for (const f of viaAddr) {
      const evicted = peer.queue.push(f);
      if (evicted > 0) this.stats.inc('send_dropped', 'queue_full', evicted);
    }
    const old = peer.link;
    if (old && old !== link && old.state === 'open') {
      const keepOld = keepExistingLink(this.me.node, id.node, { dialer: old.dialer!, boot: old.peer!.boot }, { dialer: link.dialer!, boot: id.boot });
      if (keepOld) {
        this.pump(peer);
        return false;
      }
      peer.link = link;
      old.close(CLOSE_DUPLICATE, 'duplicate link');
      this.pump(peer);
      return true;
    }
    peer.link = link;
    peer.failures = 0;
    peer.nextDialAtMs = 0;
    if (peer.retryTimer) this.opts.clock.clearTimeout(peer.retryTimer);
    peer.retryTimer = undefined;
    this.stats.inc('links_opened');
    this.log.debug(`up:${id.node}`, { peer: id.node, addr: id.addr, dir: link.direction }, 'gossip link up');
    this.emit('peerUp', id.node, id.addr);
    this.pump(peer);
    return true;
  }

  private onRejected(link: PeerLink, kind: 'frame' | 'handshake', reason: string, detail: string): void {
    this.stats.inc(kind === 'frame' ? 'bad_frames' : 'handshake_refused', reason);
    const from = link.peer?.node ?? (link.ws as unknown as { _socket?: { remoteAddress?: string; remotePort?: number } })._socket?.remoteAddress ?? '?';
    this.log.warn(`${kind}:${reason}`, { peer: from, reason, detail }, kind === 'frame' ? 'bad gossip frame dropped, connection closed' : 'gossip handshake refused');
  }

  private onClosed(link: PeerLink, code: number, reason: string): void {
    this.pending.delete(link);
    const lost = this.addrDials.take(link).length;
    if (lost > 0) this.stats.inc('send_dropped', 'dial_failed', lost);
    const w = this.waiters.get(link);
    if (w) {
      this.waiters.delete(link);
      w.reject(new Error(`gossip dial closed before handshake (${code}${reason ? ` ${reason}` : ''})`));
    }
    if (code === CLOSE_REFUSED && link.direction === 'out' && !link.peer && reason.startsWith(IDENTITY_REFUSED_PREFIX)) {
      // Someone else is already a live member under our name: joining would take over its identity.
      this.stats.inc('handshake_refused', 'identity_by_peer');
      const detail = reason.slice(IDENTITY_REFUSED_PREFIX.length);
      this.log.warn('identity', { node: this.me.node, addr: this.me.addr, peer: link.dialAddr ?? '?', detail }, 'a peer refused our gossip handshake: a live member already has this node name');
      this.emit('identityRefused', detail, link.dialAddr ?? '');
    } else if (code === CLOSE_REFUSED && link.direction === 'out' && !link.peer && !reason.endsWith(': self')) {
      // The other side refused our hello (wrong key, cluster or version): say so here too, where the fix is.
      this.stats.inc('handshake_refused', 'by_peer');
      this.log.warn(`refused-by:${reason}`, { reason }, 'a peer refused our gossip handshake (check cluster name and encryptKeys)');
    }
    const name = link.peer?.node;
    for (const peer of name ? [this.peers.get(name)].filter((p) => p !== undefined) : this.peers.values()) {
      if (peer.dialing === link) {
        peer.dialing = undefined;
        if (code !== CLOSE_DUPLICATE) this.dialFailed(peer);
      }
      if (peer.link === link) {
        peer.link = undefined;
        this.stats.inc('links_closed');
        if (!this.stopped) {
          this.log.debug(`down:${peer.name}`, { peer: peer.name, code, reason }, 'gossip link down');
          this.emit('peerDown', peer.name, peer.addr ?? '', reason || String(code));
        }
        this.ensureDial(peer);
      }
      // Forget a peer we never sent to or dialled once its link is gone, so that inbound connections
      // under ever new names (anyone can say hello to an unencrypted cluster) cannot grow the table.
      if (!peer.keep && !peer.link && !peer.dialing) this.peers.delete(peer.name);
    }
  }

  /**
   * vetHello refuses a hello that claims the name of a live member at another address
   * or boot: the member's open link must answer a ping (or, with no link, a dial to the
   * member's known address must reach that name) within identityCheckTimeoutMs. A
   * restarted member passes: its old process no longer answers.
   */
  private vetHello(hello: HelloFrame): Promise<string | undefined> {
    return checkClaim(hello, {
      clock: this.opts.clock,
      myAddr: this.me.addr,
      timeoutMs: this.opts.identityCheckTimeoutMs ?? 1_000,
      linkTo: (node) => this.peers.get(node)?.link,
      knownAddr: (node) => this.opts.resolveAddr?.(node),
      connect: (addr) => this.connect(addr),
      stopped: () => this.stopped,
    });
  }

  private dialFailed(peer: Peer): void {
    this.stats.inc('dial_failures');
    peer.failures++;
    peer.nextDialAtMs = this.opts.clock.monoMs() + backoffDelayMs(peer.failures, this.opts.backoff ?? DEFAULT_BACKOFF, this.opts.random.next());
    this.ensureDial(peer);
  }
}

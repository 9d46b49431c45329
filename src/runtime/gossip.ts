/**
 * The daemon's gossip layer: the GossipDriver (src/runtime/driver.ts) over the real
 * seams, i.e. the WebSocket transport, the system clock and the node's LevelDB store.
 * This file only builds and wires them, and adds what a daemon has and a simulation
 * does not: listening, metrics and flushing the leave announcement to the sockets.
 */
import type { Registry as PromRegistry } from 'prom-client';
import type { GossipConfig } from '../config/gossip.js';
import { GossipEngine } from '../core/gossip/engine.js';
import type { PersistedGossipState, Random } from '../core/gossip/types.js';
import type { Rec } from '../core/records.js';
import type { Logger } from '../obs/logger.js';
import type { GossipTls } from '../transport/secure.js';
import { WsTransport } from '../transport/ws-transport.js';
import type { Clock } from './clock.js';
import type { MemberInfo, MembershipApi } from './context.js';
import { GrapevineError } from '../core/errors.js';
import { GossipDriver, PERSIST_META_KEY } from './driver.js';
import { registerGossipMetrics, unregisterGossipRuntime } from './gossip-metrics.js';
import type { GrapevineNode } from './node.js';

/** LEAVE_FLUSH_MS bounds how long leave() waits for the leave announcement to go out. */
export const LEAVE_FLUSH_MS = 1_000;

/** GossipRuntimeOptions are the inputs of startGossip. */
export interface GossipRuntimeOptions {
  node: GrapevineNode;
  cluster: string;
  /** gossipAddr is host:port to listen on and advertise (port 0: the OS picks one). */
  gossipAddr: string;
  /** advertiseAddr is the address peers are told to dial, when it differs from gossipAddr (issue 14: advertised address). */
  advertiseAddr?: string;
  join: string[];
  gossip: GossipConfig;
  encryptKeys: string[];
  /** tls turns on mutual TLS for gossip (cluster CA, node certificate and key, PEM). */
  tls?: GossipTls;
  logger: Logger;
  clock: Clock;
  random: Random;
  /** metrics is the prom-client registry served at /v1/metrics, if any. */
  metrics?: PromRegistry;
  /** refill says the store was repaired or replaced: persisted watermarks are not trusted, so the first exchanges transfer everything peers hold. */
  refill?: boolean;
  /** onIdentityRefused is called when a peer refuses us because a live member already has our name (detail names its address). */
  onIdentityRefused?: (detail: string, peerAddr: string) => void;
}

/** GossipRuntime is the running gossip layer of one daemon. */
export class GossipRuntime {
  readonly engine: GossipEngine;
  readonly driver: GossipDriver;
  /** membership is the MembershipApi the HTTP API and CLI use. */
  readonly membership: MembershipApi;
  private stopped = false;
  private left = false;
  private readonly onLocal = (recs: Rec[]) => this.driver.localWrite(recs);

  constructor(
    private readonly opts: GossipRuntimeOptions,
    readonly transport: WsTransport,
    persisted: PersistedGossipState | undefined,
  ) {
    const { node, clock } = opts;
    this.engine = new GossipEngine({ self: { name: node.name, addr: transport.address }, config: opts.gossip, random: opts.random, registry: node.registry, persisted, ownSeq: node.heldSeq, now: clock.nowMs() });
    this.driver = new GossipDriver(this.engine, { node, transport, clock, log: opts.logger });
    this.membership = {
      members: (): MemberInfo[] => this.engine.members(),
      leave: () => this.leave(),
      forceLeave: (name: string): MemberInfo => {
        const m = this.engine.members().find((x) => x.name === name);
        if (!m) throw new GrapevineError('NotFound', `member ${name} is not known to this node`);
        if (name === node.name) throw new GrapevineError('InvalidInput', `node: ${name} is this node; use \`grapevine leave\``);
        if (m.status === 'alive') throw new GrapevineError('InvalidInput', `node: member ${name} is alive; force-leave is for failed members (suspect or dead)`);
        this.driver.forceLeave(name);
        return this.engine.members().find((x) => x.name === name) ?? { ...m, status: 'left' };
      },
    };
    transport.on('message', (from, msg) => this.driver.message(from, msg));
    transport.on('peerUp', (name) => this.driver.peerUp(name));
    transport.on('peerDown', (name) => this.driver.peerDown(name));
    node.on('local', this.onLocal);
  }

  /** start joins the configured seeds (and persisted peers) and arms the timer. */
  start(): void {
    this.driver.start(this.opts.join);
  }

  /** leave announces a graceful leave, gives it a moment to go out, and stops gossiping. Idempotent. */
  async leave(): Promise<void> {
    if (this.left || this.stopped) return;
    this.left = true;
    this.driver.leave();
    const { clock } = this.opts;
    const sleep = (ms: number) => new Promise<void>((r) => clock.setTimeout(r, ms));
    const end = clock.nowMs() + LEAVE_FLUSH_MS;
    while (this.transport.queuedFrames() > 0 && clock.nowMs() < end) await sleep(10);
    // The frames have left our queue; give the sockets a moment to write them.
    await sleep(50);
  }

  /** stop persists the engine state one last time and closes the transport. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.opts.node.off('local', this.onLocal);
    unregisterGossipRuntime(this);
    await this.driver.stop();
    await this.transport.close();
  }
}

/** bindOf splits a listen address into the transport's bind host and port (issue 14: advertised address). */
function bindOf(addr: string): { bindHost: string; bindPort: number } {
  const i = addr.lastIndexOf(':');
  return { bindHost: addr.slice(0, i).replace(/^\[|\]$/g, ''), bindPort: Number(addr.slice(i + 1)) };
}

/** startGossip listens on gossipAddr, restores the persisted gossip state, joins and starts ticking. */
export async function startGossip(opts: GossipRuntimeOptions): Promise<GossipRuntime> {
  let rt: GossipRuntime | undefined;
  const log = opts.logger.child({ component: 'gossip' });
  const transport = new WsTransport({
    clock: opts.clock,
    random: opts.random,
    cluster: opts.cluster,
    nodeName: opts.node.name,
    gossipAddr: opts.advertiseAddr ?? opts.gossipAddr,
    ...(opts.advertiseAddr ? bindOf(opts.gossipAddr) : {}),
    maxFrameBytes: opts.gossip.maxFrameBytes,
    encryptKeys: opts.encryptKeys,
    ...(opts.tls ? { tls: opts.tls } : {}),
    logger: log,
    // Every link re-measures its peer's clock on its own timer: at the default 5 s a node of
    // 100 sends 20 samples/s (40 frames with the replies), more than its probes. 30 s keeps a
    // stepped clock seen within a minute, at a cost that still grows with N (issue 11).
    clockSampleIntervalMs: 30_000,
    resolveAddr: (name) => rt?.engine.membership.addrOf(name) || undefined,
  });
  await transport.listen();
  transport.on('identityRefused', (detail, peerAddr) => opts.onIdentityRefused?.(detail, peerAddr));
  try {
    const stored = await opts.node.store.getMeta<PersistedGossipState>(PERSIST_META_KEY);
    const persisted = stored && opts.refill ? { ...stored, wm: {} } : stored;
    rt = new GossipRuntime({ ...opts, logger: log }, transport, persisted);
    if (opts.metrics) registerGossipMetrics(opts.metrics, rt);
    rt.start();
    log.info({ gossip: transport.address, join: opts.join, encrypted: transport.encrypted, mtls: opts.tls !== undefined, restoredPeers: persisted?.peers.length ?? 0 }, 'gossip started');
    return rt;
  } catch (e) {
    await transport.close();
    throw e;
  }
}

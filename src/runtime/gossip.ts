/**
 * The gossip runtime: it drives the pure GossipEngine inside a daemon. It feeds the
 * engine what happens (frames from the WebSocket transport, links up and down,
 * durable local writes, timer ticks) and carries out what the engine returns
 * (merge records, persistence, drop records, member status, reaping, sends), in the
 * order the engine's contract gives (see src/core/gossip/engine.ts).
 */
import type { Registry as PromRegistry } from 'prom-client';
import type { GossipConfig } from '../config/gossip.js';
import { GossipEngine } from '../core/gossip/engine.js';
import type { ApplyEffect, GossipMsg, GossipOutput, PersistedGossipState, Random } from '../core/gossip/types.js';
import { wins, type Rec } from '../core/records.js';
import type { Registry } from '../core/registry.js';
import type { Logger } from '../obs/logger.js';
import { WsTransport } from '../transport/ws-transport.js';
import type { Clock, TimerHandle } from './clock.js';
import type { MemberInfo, MembershipApi } from './context.js';
import { registerGossipMetrics, unregisterGossipRuntime } from './gossip-metrics.js';
import type { GrapevineNode } from './node.js';

/** APPLY_CHUNK_RECORDS bounds records merged in one event-loop turn, so a full state transfer never stalls the loop. */
export const APPLY_CHUNK_RECORDS = 1_000;
/**
 * SEND_CHUNK_WEIGHT bounds the frames one event-loop turn encodes and sends, weighed as
 * one per frame plus one per record it carries: a snapshot of 100,000 records is spread
 * over dozens of turns, while a write pushed to 64 peers still goes out at once.
 */
export const SEND_CHUNK_WEIGHT = 2_000;

function sendWeight(msg: GossipMsg): number {
  return 1 + ('r' in msg ? msg.r.length : 0);
}
/** MAX_TIMER_DELAY_MS caps the tick timer, so a stuck nextWakeMs cannot stop the engine for long. */
export const MAX_TIMER_DELAY_MS = 1_000;
/** LEAVE_FLUSH_MS bounds how long leave() waits for the leave announcement to go out. */
export const LEAVE_FLUSH_MS = 1_000;
/** PERSIST_MIN_INTERVAL_MS spaces the writes of the engine's persistent state (each one is an fsync). */
export const PERSIST_MIN_INTERVAL_MS = 100;
/** PERSIST_META_KEY is the store meta key of the engine's persistent state. */
export const PERSIST_META_KEY = 'gossip';

/** GossipRuntimeOptions are the inputs of startGossip. */
export interface GossipRuntimeOptions {
  node: GrapevineNode;
  cluster: string;
  /** gossipAddr is host:port to listen on and advertise (port 0: the OS picks one). */
  gossipAddr: string;
  join: string[];
  gossip: GossipConfig;
  encryptKeys: string[];
  logger: Logger;
  clock: Clock;
  random: Random;
  /** metrics is the prom-client registry served at /v1/metrics, if any. */
  metrics?: PromRegistry;
}

/** GossipRuntime is the running gossip layer of one daemon. */
export class GossipRuntime {
  readonly engine: GossipEngine;
  /** membership is the MembershipApi the HTTP API and CLI use. */
  readonly membership: MembershipApi;
  private timer?: TimerHandle;
  private timerAtMs = Infinity;
  private stopped = false;
  private left = false;
  private persisting: Promise<void> = Promise.resolve();
  private persistDirty = false;
  private persistRunning = false;
  private persistTimer?: TimerHandle;
  private lastPersistMs = 0;
  // Effects wait here only while a large apply is being merged in chunks, to keep their order.
  private backlog: GossipOutput[] = [];
  private draining = false;
  private readonly onLocal = (recs: Rec[]) => this.run(() => this.engine.onLocalWrite(recs, this.now()));

  constructor(
    private readonly opts: GossipRuntimeOptions,
    readonly transport: WsTransport,
    persisted: PersistedGossipState | undefined,
  ) {
    const { node } = opts;
    this.engine = new GossipEngine({ self: { name: node.name, addr: transport.address }, config: opts.gossip, random: opts.random, registry: node.registry, persisted, ownSeq: node.seq, now: this.now() });
    this.membership = {
      members: (): MemberInfo[] => this.engine.members(),
      leave: () => this.leave(),
    };
    transport.on('message', (from, msg) => this.onMessage(from, msg));
    transport.on('peerUp', (name) => this.run(() => this.engine.peerConnected(name, this.now())));
    transport.on('peerDown', (name) => this.run(() => this.engine.peerDisconnected(name, this.now())));
    node.on('local', this.onLocal);
  }

  /** start joins the configured seeds (and persisted peers) and arms the timer. */
  start(): void {
    this.run(() => this.engine.start(this.opts.join, this.now()));
  }

  /** leave announces a graceful leave, gives it a moment to go out, and stops gossiping. Idempotent. */
  async leave(): Promise<void> {
    if (this.left || this.stopped) return;
    this.left = true;
    this.run(() => this.engine.leave(this.now()));
    const end = Date.now() + LEAVE_FLUSH_MS;
    while (this.transport.queuedFrames() > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    // The frames have left our queue; give the sockets a moment to write them.
    await new Promise((r) => setTimeout(r, 50));
  }

  /** stop persists the engine state one last time and closes the transport. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.opts.node.off('local', this.onLocal);
    if (this.timer) this.opts.clock.clearTimeout(this.timer);
    unregisterGossipRuntime(this);
    this.persist(true);
    await this.persisting;
    // A write that was running when stop began may have left the latest state unwritten.
    if (this.persistDirty) {
      this.persist(true);
      await this.persisting;
    }
    await this.transport.close();
  }

  private now(): number {
    return this.opts.clock.nowMs();
  }

  private onMessage(from: string, msg: unknown): void {
    this.run(() => this.engine.onMessage(from, msg, this.now()));
  }

  /** run makes one engine call and carries out its output; an engine exception is logged, not fatal to the daemon. */
  private run(call: () => GossipOutput): void {
    if (this.stopped) return;
    let out: GossipOutput;
    try {
      out = call();
    } catch (e) {
      this.opts.logger.error({ err: e }, 'gossip engine call failed');
      return;
    }
    if (this.draining) this.backlog.push(out);
    else {
      try {
        this.carryOut(out);
      } catch (e) {
        this.opts.logger.error({ err: e }, 'carrying out gossip effects failed');
      }
    }
    this.arm();
  }

  // An output is carried out in chunks when it would hold the event loop too long in one
  // turn: a large apply (merging a snapshot) or many frames (sending one, each encoded).
  private needsChunks(out: GossipOutput): boolean {
    if (out.apply.some((a) => a.recs.length > APPLY_CHUNK_RECORDS)) return true;
    let weight = 0;
    for (const s of out.sends) if ((weight += sendWeight(s.msg)) > SEND_CHUNK_WEIGHT) return true;
    return false;
  }

  private carryOut(out: GossipOutput): void {
    if (this.needsChunks(out)) {
      this.draining = true;
      void this.carryOutChunked(out).then(() => this.drainBacklog());
      return;
    }
    for (const a of out.apply) this.apply(a.from, a.recs);
    this.rest(out);
  }

  // Merges a large apply in chunks with setImmediate between them, then the rest of
  // the output; outputs produced meanwhile wait in the backlog so that order holds.
  private async carryOutChunked(out: GossipOutput): Promise<void> {
    for (const a of out.apply) {
      for (let i = 0; i < a.recs.length; i += APPLY_CHUNK_RECORDS) {
        if (this.stopped) return;
        this.apply(a.from, a.recs.slice(i, i + APPLY_CHUNK_RECORDS));
        await new Promise((r) => setImmediate(r));
      }
    }
    this.rest(out, false);
    let weight = 0;
    for (const s of out.sends) {
      if (this.stopped) return;
      if (weight > SEND_CHUNK_WEIGHT) {
        weight = 0;
        await new Promise((r) => setImmediate(r));
      }
      this.transport.send(s.to, s.msg, s.addr);
      weight += sendWeight(s.msg);
    }
  }

  private async drainBacklog(): Promise<void> {
    while (this.backlog.length > 0 && !this.stopped) {
      const next = this.backlog.shift()!;
      if (this.needsChunks(next)) await this.carryOutChunked(next);
      else {
        for (const a of next.apply) this.apply(a.from, a.recs);
        this.rest(next);
      }
    }
    this.draining = false;
  }

  // The winners of a merge go back to the engine at once, which forwards what was news:
  // waiting for our fsync first would add a disk flush to every hop of a rumour. The
  // record is already durable at its origin (pushes start only after the origin's
  // write is), so forwarding early risks nothing; applyRemote still persists it here.
  private apply(from: string, recs: ApplyEffect['recs']): void {
    const won = newsIn(this.opts.node.registry, recs);
    this.opts.node.applyRemote(recs).catch((e) => this.opts.logger.error({ err: e, from, records: recs.length }, 'could not persist gossiped records'));
    if (won.length > 0) this.run(() => this.engine.onApplied(from, won, this.now()));
  }

  private rest(out: GossipOutput, sends = true): void {
    const { node, logger } = this.opts;
    if (out.drop.length > 0) {
      // Drops must follow the persisted state that allows them (raised collection floors),
      // so that state is queued in the store now, ahead of the drop, not coalesced.
      node.store.write({ put: [], del: [], meta: { [PERSIST_META_KEY]: this.engine.persistentState() } }).catch((e) => logger.error({ err: e }, 'could not persist gossip state'));
      node.dropRecords(out.drop).catch((e) => logger.error({ err: e }, 'could not drop records'));
    } else if (out.persist) this.persist();
    for (const s of out.status) {
      node.setMemberStatus(s.name, s.status);
      // Suspicions come and go under load; the verdicts are what an operator needs to see.
      if (s.status === 'suspect') logger.debug({ member: s.name, status: s.status }, 'member status changed');
      else logger.info({ member: s.name, status: s.status }, 'member status changed');
    }
    for (const r of out.reap) node.setOwnerReaped(r.name, r.reaped);
    if (sends) for (const s of out.sends) this.transport.send(s.to, s.msg, s.addr);
  }

  // Persist writes queue behind the records already handed to the store (LevelStore
  // keeps batch order), so persisted watermarks never run ahead of durable records.
  // They are coalesced to one per PERSIST_MIN_INTERVAL_MS: each is an fsync, and a
  // registration's own write waits behind any fsync in flight.
  private persist(now = false): void {
    this.persistDirty = true;
    if (this.persistRunning) return;
    if (this.persistTimer) {
      if (!now) return;
      this.opts.clock.clearTimeout(this.persistTimer);
      this.persistTimer = undefined;
    }
    const waitMs = now ? 0 : this.lastPersistMs + PERSIST_MIN_INTERVAL_MS - this.now();
    if (waitMs > 0) {
      this.persistTimer = this.opts.clock.setTimeout(() => {
        this.persistTimer = undefined;
        this.persist(true);
      }, waitMs);
      return;
    }
    this.persistRunning = true;
    this.persisting = (async () => {
      while (this.persistDirty) {
        this.persistDirty = false;
        this.lastPersistMs = this.now();
        try {
          await this.opts.node.store.write({ put: [], del: [], meta: { [PERSIST_META_KEY]: this.engine.persistentState() } });
        } catch (e) {
          this.opts.logger.error({ err: e }, 'could not persist gossip state');
          break;
        }
      }
      this.persistRunning = false;
    })();
  }

  private arm(): void {
    if (this.stopped) return;
    const now = this.now();
    const wake = Math.min(this.engine.nextWakeMs(), now + MAX_TIMER_DELAY_MS);
    if (this.timer && wake >= this.timerAtMs) return;
    if (this.timer) this.opts.clock.clearTimeout(this.timer);
    this.timerAtMs = wake;
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAtMs = Infinity;
      this.run(() => this.engine.tick(this.now()));
    }, Math.max(0, wake - now));
  }
}

/** newsIn returns the records of a batch that win a merge into the registry, in order, as applying them one by one would. */
export function newsIn(registry: Registry, recs: Rec[]): Rec[] {
  const seen = new Map<string, Rec>();
  const won: Rec[] = [];
  for (const r of recs) {
    if (wins(r, seen.get(r.key) ?? registry.get(r.key))) {
      won.push(r);
      seen.set(r.key, r);
    }
  }
  return won;
}

/** startGossip listens on gossipAddr, restores the persisted gossip state, joins and starts ticking. */
export async function startGossip(opts: GossipRuntimeOptions): Promise<GossipRuntime> {
  let rt: GossipRuntime | undefined;
  const log = opts.logger.child({ component: 'gossip' });
  const transport = new WsTransport({
    cluster: opts.cluster,
    nodeName: opts.node.name,
    gossipAddr: opts.gossipAddr,
    maxFrameBytes: opts.gossip.maxFrameBytes,
    encryptKeys: opts.encryptKeys,
    logger: log,
    resolveAddr: (name) => rt?.engine.membership.addrOf(name) || undefined,
  });
  await transport.listen();
  try {
    const persisted = await opts.node.store.getMeta<PersistedGossipState>(PERSIST_META_KEY);
    rt = new GossipRuntime({ ...opts, logger: log }, transport, persisted);
    if (opts.metrics) registerGossipMetrics(opts.metrics, rt);
    rt.start();
    log.info({ gossip: transport.address, join: opts.join, encrypted: transport.encrypted, restoredPeers: persisted?.peers.length ?? 0 }, 'gossip started');
    return rt;
  } catch (e) {
    await transport.close();
    throw e;
  }
}

/**
 * The gossip driver: the one module that carries out the pure GossipEngine's effects,
 * for the daemon and the simulator alike. It feeds the engine what happens (messages,
 * links up and down, durable local writes, timer ticks) and carries out what the
 * engine returns (merge, persist, drop, member status, reap, send), in the order of the
 * engine's contract (src/core/gossip/engine.ts). It touches the world only through its
 * seams: a GossipTransport, a Clock and the node's Store. The daemon plugs in the
 * WebSocket transport, the system clock and LevelDB (src/runtime/gossip.ts); the
 * simulator a fake network, a virtual clock and a memory store (src/sim/cluster.ts).
 */
import type { GossipEngine } from '../core/gossip/engine.js';
import type { ApplyEffect, GossipMsg, GossipOutput } from '../core/gossip/types.js';
import type { Rec } from '../core/records.js';
import type { Clock, TimerHandle } from './clock.js';
import type { GrapevineNode } from './node.js';

/** GossipTransport is the network seam of the driver: ordered, best-effort delivery of engine messages to named peers. */
export interface GossipTransport {
  /** send delivers msg to peer `to` (a node name), dialling `addr` when there is no link; `to` is '' for an address-only join. */
  send(to: string, msg: GossipMsg, addr: string): unknown;
}

/** DriverLog is the logger seam (pino's shape). */
export interface DriverLog {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/** DriverOptions are the seams and switches of a driver. */
export interface DriverOptions {
  node: GrapevineNode;
  transport: GossipTransport;
  clock: Clock;
  log: DriverLog;
  /** persistEngineState writes the engine's durable state when asked (default true; huge simulations turn it off). */
  persistEngineState?: boolean;
  /** onApplied observes every merge that changed something (simulations measure convergence with it). */
  onApplied?: (from: string, won: Rec[]) => void;
}

/** APPLY_CHUNK_RECORDS bounds records merged in one event-loop turn, so a full state transfer never stalls the loop. */
export const APPLY_CHUNK_RECORDS = 500;
/**
 * SEND_CHUNK_WEIGHT bounds the frames one event-loop turn encodes and sends, weighed as
 * one per frame plus one per record it carries: a snapshot of 100,000 records is spread
 * over dozens of turns, while a write pushed to 64 peers still goes out at once.
 */
export const SEND_CHUNK_WEIGHT = 600;
/** MAX_TIMER_DELAY_MS caps the tick timer, so a stuck nextWakeMs cannot stop the engine for long. */
export const MAX_TIMER_DELAY_MS = 1_000;
/**
 * PERSIST_MIN_INTERVAL_MS spaces the periodic writes of the engine's persistent state
 * (watermarks, members, incarnation). They are not fsynced: they follow the records
 * merged before them in LevelDB's log, so a crash or power loss can only lose a suffix
 * of both, and what is lost is fetched again by anti-entropy. Under load every node
 * used to fsync its state ten times a second (1,000 fsyncs/s for 100 nodes on one
 * host), and a registration's own synced write queued behind them.
 */
export const PERSIST_MIN_INTERVAL_MS = 1_000;
/** REARM_LATER_MS: an armed tick timer is moved later only when the next wake moved by at least this much. */
const REARM_LATER_MS = 20;
/** PERSIST_META_KEY is the store meta key of the engine's persistent state. */
export const PERSIST_META_KEY = 'gossip';

function sendWeight(msg: GossipMsg): number {
  return 1 + ('r' in msg ? msg.r.length : 0);
}

/** GossipDriver carries out one engine's effects against its seams; see the file comment. */
export class GossipDriver {
  private timer?: TimerHandle;
  private timerAtMs = Infinity;
  private stopped = false;
  private persistDirty = false;
  private persistRunning?: Promise<void>;
  private persistTimer?: TimerHandle;
  private lastPersistMs = -Infinity;
  // Outputs wait here only while a large one is carried out over several turns, to keep their order.
  private backlog: GossipOutput[] = [];
  private draining = false;
  // Merge results reach the engine in the order the merges were handed to the store.
  private applyReports: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly fullSyncs = new Map<string, { from: string; records: number; startMs: number }>();
  /** applyFailures counts merges the store refused (the engine fetches those records again later). */
  applyFailures = 0;

  constructor(
    readonly engine: GossipEngine,
    private readonly opts: DriverOptions,
  ) {}

  /** start joins the given seed addresses (and persisted peers) and arms the timer. */
  start(joinAddrs: string[]): void {
    this.run((now) => this.engine.start(joinAddrs, now));
  }

  /** join contacts more seed addresses. */
  join(addrs: string[]): void {
    this.run((now) => this.engine.join(addrs, now));
  }

  /** message feeds one message a peer sent, as it came off the wire (the engine decodes it). */
  message(from: string, msg: unknown): void {
    this.run((now) => this.engine.onMessage(from, msg, now));
  }

  /** peerUp says a link to a peer (re)opened: the engine starts anti-entropy with it. */
  peerUp(name: string): void {
    this.run((now) => this.engine.peerConnected(name, now));
  }

  /** peerDown says a link to a peer closed: a hint to probe it now, not a verdict. */
  peerDown(name: string): void {
    this.run((now) => this.engine.peerDisconnected(name, now));
  }

  /** localWrite pushes this node's durable new records at once (never waiting for a tick). */
  localWrite(recs: Rec[]): void {
    this.run((now) => this.engine.onLocalWrite(recs, now));
  }

  /** leave announces a graceful leave; the engine goes quiet afterwards. */
  leave(): void {
    this.run((now) => this.engine.leave(now));
  }

  /** forceLeave marks a failed member `left` (issue 14: `grapevine force-leave`). */
  forceLeave(name: string): void {
    this.run((now) => this.engine.forceLeave(name, now));
  }

  /** idle resolves once nothing the driver started (merges, chunked outputs, persists) is still running. */
  async idle(): Promise<void> {
    for (let i = 0; i < 10_000 && (this.inFlight.size > 0 || this.draining); i++) await Promise.all([...this.inFlight]);
  }

  /** stop cancels the timer and writes the engine's state one last time. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    if (this.timer) this.opts.clock.clearTimeout(this.timer);
    if (this.persistTimer) this.opts.clock.clearTimeout(this.persistTimer);
    this.persistTimer = undefined;
    await this.idle();
    await this.persistRunning;
    this.stopped = true;
    await this.writeState(true).catch((e) => this.opts.log.warn({ err: e }, 'could not persist gossip state at stop'));
  }

  /** halt stops at once, as a crash would: no last write, the timer cancelled, later inputs ignored. */
  halt(): void {
    this.stopped = true;
    if (this.timer) this.opts.clock.clearTimeout(this.timer);
    if (this.persistTimer) this.opts.clock.clearTimeout(this.persistTimer);
  }

  private now(): number {
    return this.opts.clock.nowMs();
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.then(
      () => this.inFlight.delete(p),
      () => this.inFlight.delete(p),
    );
    return p;
  }

  /** run makes one engine call and carries out its output; an engine exception is logged, not fatal to the daemon. */
  private run(call: (now: number) => GossipOutput): void {
    if (this.stopped) return;
    let out: GossipOutput;
    try {
      out = call(this.now());
    } catch (e) {
      this.opts.log.error({ err: e }, 'gossip engine call failed');
      return;
    }
    if (this.draining) this.backlog.push(out);
    else if (this.needsChunks(out)) {
      this.draining = true;
      void this.track(this.carryOutChunked(out).then(() => this.drainBacklog()));
    } else this.carryOut(out);
    this.arm();
  }

  // An output is carried out over several turns when it would hold the event loop too
  // long in one: a large apply (merging a snapshot) or many frames (sending one).
  private needsChunks(out: GossipOutput): boolean {
    if (out.apply.some((a) => a.recs.length > APPLY_CHUNK_RECORDS)) return true;
    let weight = 0;
    for (const s of out.sends) if ((weight += sendWeight(s.msg)) > SEND_CHUNK_WEIGHT) return true;
    return false;
  }

  private carryOut(out: GossipOutput): void {
    try {
      for (const a of out.apply) this.report(a, [this.startMerge(a.recs)]);
      this.rest(out);
      for (const s of out.sends) this.opts.transport.send(s.to, s.msg, s.addr);
    } catch (e) {
      this.opts.log.error({ err: e }, 'carrying out gossip effects failed');
    }
  }

  private async carryOutChunked(out: GossipOutput): Promise<void> {
    for (const a of out.apply) {
      const merges: Promise<Rec[]>[] = [];
      for (let i = 0; i < a.recs.length; i += APPLY_CHUNK_RECORDS) {
        if (this.stopped) return;
        merges.push(this.startMerge(a.recs.slice(i, i + APPLY_CHUNK_RECORDS)));
        await this.yieldTurn();
      }
      this.report(a, merges);
    }
    this.rest(out);
    let weight = 0;
    for (const s of out.sends) {
      if (this.stopped) return;
      if (weight > SEND_CHUNK_WEIGHT) {
        weight = 0;
        await this.yieldTurn();
      }
      this.opts.transport.send(s.to, s.msg, s.addr);
      weight += sendWeight(s.msg);
    }
  }

  private async drainBacklog(): Promise<void> {
    while (this.backlog.length > 0 && !this.stopped) {
      const next = this.backlog.shift()!;
      if (this.needsChunks(next)) await this.carryOutChunked(next);
      else this.carryOut(next);
    }
    this.draining = false;
  }

  private yieldTurn(): Promise<void> {
    return new Promise((r) => this.opts.clock.defer(r));
  }

  // A merge's store write starts at once, so merges reach the store in the order the
  // engine asked for them.
  private startMerge(recs: Rec[]): Promise<Rec[]> {
    return this.track(this.opts.node.applyRemote(recs));
  }

  // The engine hears of an apply effect once all of its merges are durable (its records
  // are then visible, and its winners forwarded) or one failed (then the engine's
  // watermarks do not cover its records, so anti-entropy fetches them again). Results
  // are reported in the order of the effects.
  private report(effect: ApplyEffect, merges: Promise<Rec[]>[]): void {
    this.noteFullSync(effect);
    const result = Promise.all(merges).then(
      (won) => ({ won: won.flat() }),
      (err: unknown) => ({ err }),
    );
    const reported = Promise.all([this.applyReports, result]).then(([, r]) => {
      if ('err' in r) {
        this.applyFailures++;
        this.opts.log.warn({ err: r.err, from: effect.from, records: effect.recs.length }, 'could not persist gossiped records; they will be fetched again');
        this.run((now) => this.engine.onApplyFailed(effect, now));
        return;
      }
      if (r.won.length > 0) this.opts.onApplied?.(effect.from, r.won);
      if (effect.fullSync === 'last' && effect.exchange !== undefined) this.endFullSync(effect.exchange);
      this.run((now) => this.engine.onApplied(effect, r.won, now));
    });
    this.applyReports = this.track(reported);
  }

  // A full state transfer (a peer's whole registry) is logged once when its first chunk
  // is merged and once when its last one is durable, with the record count and time.
  private noteFullSync(effect: ApplyEffect): void {
    if (!effect.fullSync || effect.exchange === undefined) return;
    let sync = this.fullSyncs.get(effect.exchange);
    if (!sync) {
      if (this.fullSyncs.size >= 64) this.fullSyncs.clear();
      sync = { from: effect.from, records: 0, startMs: this.now() };
      this.fullSyncs.set(effect.exchange, sync);
      this.opts.log.info({ from: effect.from }, 'full state sync started');
    }
    sync.records += effect.recs.length;
  }

  private endFullSync(exchange: string): void {
    const sync = this.fullSyncs.get(exchange);
    if (!sync) return;
    this.fullSyncs.delete(exchange);
    this.opts.log.info({ from: sync.from, records: sync.records, ms: this.now() - sync.startMs }, 'full state sync done');
  }

  private rest(out: GossipOutput): void {
    const { node, log } = this.opts;
    if (out.drop.length > 0) {
      // Drops follow the persisted state that allows them (raised collection floors), so
      // that state is queued in the store now, ahead of the drop, not coalesced.
      const floors = this.track(this.writeState(true));
      this.track(floors.then(() => node.dropRecords(out.drop))).catch((e) => log.warn({ err: e, records: out.drop.length }, 'could not drop records'));
    } else if (out.persist) this.persistSoon();
    for (const s of out.status) {
      node.setMemberStatus(s.name, s.status);
      // Each change once, suspect included (issue 14: logs).
      log.info({ member: s.name, status: s.status }, `member ${s.name} is ${s.status}`);
    }
    for (const r of out.reap) node.setOwnerReaped(r.name, r.reaped);
  }

  private writeState(sync = false): Promise<void> {
    if (this.opts.persistEngineState === false) return Promise.resolve();
    this.persistDirty = false;
    this.lastPersistMs = this.now();
    return this.opts.node.writeMeta({ [PERSIST_META_KEY]: this.engine.persistentState() }, sync);
  }

  // Persist writes queue behind the records already handed to the store (it keeps batch
  // order), so persisted watermarks never run ahead of the records in the log. They are
  // coalesced to one per PERSIST_MIN_INTERVAL_MS and not fsynced (see there).
  private persistSoon(): void {
    this.persistDirty = true;
    if (this.persistRunning || this.persistTimer || this.stopped) return;
    const waitMs = this.lastPersistMs + PERSIST_MIN_INTERVAL_MS - this.now();
    if (waitMs > 0) {
      this.persistTimer = this.opts.clock.setTimeout(() => {
        this.persistTimer = undefined;
        this.persistSoon();
      }, waitMs);
      return;
    }
    this.persistRunning = this.track(
      (async () => {
        while (this.persistDirty && !this.stopped) {
          try {
            await this.writeState();
          } catch (e) {
            this.opts.log.warn({ err: e }, 'could not persist gossip state');
            break;
          }
        }
        this.persistRunning = undefined;
      })(),
    );
  }

  private arm(): void {
    if (this.stopped) return;
    const now = this.now();
    const wake = Math.min(this.engine.nextWakeMs(), now + MAX_TIMER_DELAY_MS);
    // Keep the armed timer unless the engine now wants it earlier, or much later (a
    // probe's ack came in before its deadline): an idle daemon's CPU is mostly wake-ups.
    if (this.timer && wake >= this.timerAtMs && wake - this.timerAtMs < REARM_LATER_MS) return;
    if (this.timer) this.opts.clock.clearTimeout(this.timer);
    this.timerAtMs = wake;
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAtMs = Infinity;
      this.run((t) => this.engine.tick(t));
    }, Math.max(0, wake - now));
  }
}

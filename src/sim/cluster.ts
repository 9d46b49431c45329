import type { GossipConfig } from '../core/gossip/config.js';
import { GossipEngine } from '../core/gossip/engine.js';
import { seededRandom, type GossipMsg, type PersistedGossipState, type Random } from '../core/gossip/types.js';
import { GossipDriver, type DriverLog } from '../runtime/driver.js';
import type { Rec } from '../core/records.js';
import { stateDigest } from '../core/state-digest.js';
import { GrapevineNode, type Write } from '../runtime/node.js';
import { MemoryStore } from '../storage/memory-store.js';
import { SimNetwork, PERFECT_LAN, type NetFaults } from './network.js';
import { FakeClock, Scheduler } from './scheduler.js';

/** SimClusterOptions configure a simulated cluster. */
export interface SimClusterOptions {
  seed: number;
  size: number;
  config: GossipConfig;
  faults?: NetFaults;
  /** codec: 'msgpack' round-trips every message (default), 'size' only counts bytes, 'none' neither. */
  codec?: 'msgpack' | 'size' | 'none';
  startMs?: number;
  /** bootstrap: 'join' (default) joins every node through n0; 'seed' pre-seeds membership views without messages. */
  bootstrap?: 'join' | 'seed';
  /** viewSize, with bootstrap 'seed', gives each node a random partial view of this many members (big clusters). */
  viewSize?: number;
  /** persist writes the engine state to the store when asked (default true; big benchmarks turn it off). */
  persist?: boolean;
  /**
   * preload puts these records in every node's store before it boots, as if the cluster
   * had long converged on them (their watermarks are persisted too), for steady-state benchmarks.
   */
  preload?: Rec[];
  /** storeDelayMs makes every store write take this long in virtual time (a slow disk); writes stay in order. */
  storeDelayMs?: number;
  /** prepare fills a node's store before it first boots (records held before the test starts). */
  prepare?: (name: string, store: MemoryStore) => void;
  /** onWon observes every merge that changed something: node, sender, winning records. */
  onWon?: (node: string, from: string, won: Rec[]) => void;
}

/** SimNode is one simulated daemon: its store survives crashes, its node, engine and driver do not. */
export interface SimNode {
  name: string;
  addr: string;
  store: MemoryStore;
  random: Random;
  up: boolean;
  node?: GrapevineNode;
  engine?: GossipEngine;
  driver?: GossipDriver;
}

const SILENT: DriverLog = { error() {}, warn() {}, info() {}, debug() {} };

/**
 * SimCluster runs N Grapevine nodes in one process, each a real GrapevineNode (with a
 * MemoryStore and the fake clock) and a real GossipEngine, driven by the daemon's own
 * GossipDriver on a seeded fake network: every effect is carried out by the same code
 * as in a daemon (chunking, backlog, persist order, failing stores included).
 */
export class SimCluster {
  readonly scheduler: Scheduler;
  readonly clock: FakeClock;
  readonly net: SimNetwork;
  readonly nodes = new Map<string, SimNode>();
  private readonly byAddr = new Map<string, string>();

  private constructor(readonly opts: SimClusterOptions) {
    this.scheduler = new Scheduler(opts.startMs ?? 1_700_000_000_000);
    this.clock = new FakeClock(this.scheduler);
    this.net = new SimNetwork(this.scheduler, seededRandom(opts.seed), opts.faults ?? PERFECT_LAN, opts.codec ?? 'msgpack', (f, t, m) =>
      this.deliver(f, t, m),
    );
    for (let i = 0; i < opts.size; i++) {
      const name = `n${i}`;
      const addr = `sim://${name}`;
      const delayMs = opts.storeDelayMs;
      const store = new MemoryStore(delayMs ? { writeDelay: () => new Promise<void>((r) => this.clock.setTimeout(r, delayMs)) } : {});
      this.nodes.set(name, { name, addr, store, random: seededRandom(opts.seed * 7919 + i + 1), up: false });
      this.byAddr.set(addr, name);
    }
  }

  /** create builds and starts a cluster. */
  static async create(opts: SimClusterOptions): Promise<SimCluster> {
    const c = new SimCluster(opts);
    if (opts.preload) {
      const wm: Record<string, number> = {};
      for (const r of opts.preload) wm[r.node] = Math.max(wm[r.node] ?? 0, r.seq);
      for (const sn of c.nodes.values()) {
        for (const r of opts.preload) sn.store.records.set(r.key, r);
        const own = wm[sn.name] ?? 0;
        if (own > 0) sn.store.meta.set('seq', own);
        sn.store.meta.set('gossip', { inc: 0, peers: [], wm, fl: {}, down: [] } satisfies PersistedGossipState);
      }
    }
    if (opts.prepare) for (const sn of c.nodes.values()) opts.prepare(sn.name, sn.store);
    for (const sn of c.nodes.values()) await c.boot(sn);
    await c.drain();
    return c;
  }

  /** now is the simulated time. */
  get now(): number {
    return this.scheduler.nowMs;
  }

  /** live lists the nodes that are up. */
  live(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.up);
  }

  /** get returns a node by name (it must exist). */
  get(name: string): SimNode {
    const sn = this.nodes.get(name);
    if (!sn) throw new Error(`SimCluster: no node ${name}`);
    return sn;
  }

  /** runFor advances simulated time, running everything due. */
  async runFor(ms: number): Promise<void> {
    await this.scheduler.runUntil(this.now + ms);
    await this.drain();
  }

  /** runUntil advances in steps of stepMs until cond holds or maxMs passed; it reports whether cond held. */
  async runUntil(cond: () => boolean, maxMs: number, stepMs = 10): Promise<boolean> {
    const end = this.now + maxMs;
    while (!cond()) {
      if (this.now >= end) return false;
      await this.runFor(Math.min(stepMs, end - this.now));
    }
    return true;
  }

  /** write makes a local write on a node and resolves once it is durable there (acknowledged). */
  async write(name: string, writes: Write[]): Promise<Rec[]> {
    const sn = this.get(name);
    if (!sn.up || !sn.node) throw new Error(`SimCluster.write: ${name} is down`);
    const p = sn.node.write(writes);
    // A slow store resolves only as virtual time passes: run the clock until the write settles.
    let settled = false;
    p.then(
      () => (settled = true),
      () => (settled = true),
    );
    await this.drain();
    for (let i = 0; !settled && i < 100_000; i++) await this.runFor(1);
    return p;
  }

  /** crash stops a node at once (kill -9): its store stays, everything in memory is gone. */
  crash(name: string): void {
    const sn = this.get(name);
    sn.up = false;
    sn.driver?.halt();
    sn.node?.removeAllListeners();
    sn.node = undefined;
    sn.engine = undefined;
    sn.driver = undefined;
  }

  /**
   * kill crashes a node the way kill -9 looks on a LAN: its TCP connections are reset,
   * so every live peer gets the runtime's peerDisconnected hint at once.
   */
  async kill(name: string): Promise<void> {
    this.crash(name);
    for (const sn of this.live()) sn.driver!.peerDown(name);
    await this.drain();
  }

  /** restart boots a crashed node from its store. */
  async restart(name: string): Promise<void> {
    const sn = this.get(name);
    if (sn.up) throw new Error(`SimCluster.restart: ${name} is up`);
    await this.boot(sn);
    await this.drain();
  }

  /** leave runs a graceful leave on a node, then stops it. */
  async leave(name: string): Promise<void> {
    const sn = this.get(name);
    sn.driver!.leave();
    await this.drain();
    this.crash(name);
  }

  /** digests returns the state digest of every live node. */
  digests(): Map<string, string> {
    const out = new Map<string, string>();
    for (const sn of this.live()) out.set(sn.name, stateDigest(sn.node!.registry));
    return out;
  }

  /** converged reports whether every live node has the same state digest. */
  converged(): boolean {
    return new Set(this.digests().values()).size <= 1;
  }

  /** statusAt returns how `observer` sees `member` (undefined if unknown). */
  statusAt(observer: string, member: string): string | undefined {
    return this.get(observer).engine?.membership.list.get(member)?.status;
  }

  private async boot(sn: SimNode): Promise<void> {
    const node = new GrapevineNode(sn.name, sn.store, this.clock);
    await node.start();
    const persisted = sn.store.meta.get('gossip') as PersistedGossipState | undefined;
    const engine = new GossipEngine({
      self: { name: sn.name, addr: sn.addr },
      config: this.opts.config,
      random: sn.random,
      registry: node.registry,
      persisted,
      ownSeq: node.heldSeq,
      now: this.now,
      seedMembers: this.opts.bootstrap === 'seed' ? this.seedView(sn) : undefined,
    });
    const transport = {
      send: (to: string, msg: GossipMsg, addr: string) => {
        const dest = to || this.byAddr.get(addr);
        if (dest && dest !== sn.name) this.net.send(sn.name, dest, msg);
      },
    };
    const onWon = this.opts.onWon;
    const driver = new GossipDriver(engine, {
      node,
      transport,
      clock: this.clock,
      log: SILENT,
      persistEngineState: this.opts.persist !== false,
      onApplied: onWon ? (from, won) => onWon(sn.name, from, won) : undefined,
    });
    sn.node = node;
    sn.engine = engine;
    sn.driver = driver;
    sn.up = true;
    node.on('local', (recs) => driver.localWrite(recs));
    const join = this.opts.bootstrap === 'seed' ? [] : sn.name === 'n0' ? (this.opts.size > 1 ? ['sim://n1'] : []) : ['sim://n0'];
    driver.start(sn.name === 'n0' && !persisted ? [] : join);
  }

  private allNodes?: SimNode[];

  private seedView(sn: SimNode): { name: string; addr: string }[] {
    const all = (this.allNodes ??= [...this.nodes.values()]);
    const k = this.opts.viewSize ?? all.length;
    if (k >= all.length - 1) return all.map((n) => ({ name: n.name, addr: n.addr }));
    const picked = new Set<number>();
    while (picked.size < k) picked.add(Math.floor(sn.random.next() * all.length));
    return [...picked].map((i) => ({ name: all[i].name, addr: all[i].addr }));
  }

  private deliver(from: string, to: string, msg: GossipMsg): void {
    const sn = this.nodes.get(to);
    if (sn?.up) sn.driver?.message(from, msg);
  }

  /** connect tells both nodes that a link between them opened (the transport's peerUp), which starts anti-entropy. */
  async connect(a: string, b: string): Promise<void> {
    this.get(a).driver?.peerUp(b);
    this.get(b).driver?.peerUp(a);
    await this.drain();
  }

  /** drain lets every merge, persist and chunked output that can finish without virtual time passing finish. */
  async drain(): Promise<void> {
    // Store writes and chunk yields in the simulator resolve as microtasks; a macrotask
    // turn runs only after every microtask chain is done.
    await new Promise<void>((r) => setImmediate(r));
  }
}

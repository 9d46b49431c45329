/**
 * ChaosCluster starts real daemons (test/integration/helpers/daemon.ts) that join each
 * other, tracks the current process of each node across restarts, and reads what the
 * chaos checks need: digests, members, the instances of the scenario's service.
 * Every daemon it starts is killed by PID and its data dir removed when the scenario ends.
 */
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { api, startDaemon, waitFor, type Daemon, type DaemonOptions } from '../integration/helpers/daemon.js';
import type { ChaosContext } from './types.js';

/** NS and SVC name the namespace and service every scenario writes its instances into. */
export const NS = 'chaos.internal';
export const SVC = 'web';

/** CONVERGE_TIMEOUT_MS bounds the wait for equal digests after a fault ends. */
export const CONVERGE_TIMEOUT_MS = 30_000;

/** ClusterOptions configure ChaosCluster.start. */
export interface ClusterOptions {
  /** gossip overrides the test preset's timings (written to a config file). */
  gossip?: Record<string, number>;
  /** perNode gives extra daemon options (env, dataDir) by node name. */
  perNode?: Record<string, Partial<DaemonOptions>>;
}

/** ChaosCluster is a set of named daemons joined into one cluster. */
export class ChaosCluster {
  private readonly current = new Map<string, Daemon>();
  private readonly down = new Set<string>();
  private readonly ownedDirs = new Set<string>();

  private constructor(private readonly configFile: string | undefined) {}

  /** start starts the named daemons one after the other, each joining the first, and waits until all see each other alive. */
  static async start(ctx: ChaosContext, names: string[], opts: ClusterOptions = {}): Promise<ChaosCluster> {
    let configFile: string | undefined;
    if (opts.gossip) {
      const dir = ctx.tempDir('gv-chaos-cfg-');
      chmodSync(dir, 0o755); // a daemon may run as another user (the partition scenario)
      configFile = join(dir, 'config.json');
      writeFileSync(configFile, JSON.stringify({ preset: 'test', gossip: opts.gossip }), { mode: 0o644 });
    }
    const c = new ChaosCluster(configFile);
    ctx.defer('kill daemons and remove their data dirs', async () => {
      await c.killAll();
      for (const d of c.current.values()) d.cleanup();
      // The helper forgets that it made a data dir once a restarted daemon is restarted again.
      for (const dir of c.ownedDirs) rmSync(dir, { recursive: true, force: true });
    });
    for (const name of names) {
      const first = c.current.size ? [...c.current.values()][0]! : undefined;
      await c.launch({ name, ...(first ? { join: [first.gossipAddr] } : {}), ...opts.perNode?.[name] });
    }
    await c.waitAllAlive();
    return c;
  }

  /** launch starts one more node of the cluster; it is killed when the scenario ends. */
  async launch(o: DaemonOptions): Promise<Daemon> {
    const d = await startDaemon({ ...(this.configFile ? { configFile: this.configFile, preset: 'test' } : {}), ...o });
    if (o.dataDir === undefined) this.ownedDirs.add(dirname(d.dataDir));
    this.adopt(d);
    return d;
  }

  private adopt(d: Daemon): void {
    this.current.set(d.name, d);
    this.down.delete(d.name);
  }

  /** node is the current process of a node (throws for an unknown name). */
  node(name: string): Daemon {
    const d = this.current.get(name);
    if (!d) throw new Error(`no node ${name}`);
    return d;
  }

  /** names lists every node, live or not. */
  names(): string[] {
    return [...this.current.keys()];
  }

  /** live lists the nodes that are running (not stopped, killed or frozen by the scenario). */
  live(): Daemon[] {
    return [...this.current.values()].filter((d) => !this.down.has(d.name));
  }

  /** isUp says whether writes may be sent to a node now. */
  isUp(name: string): boolean {
    return this.current.has(name) && !this.down.has(name);
  }

  /** markDown and markUp tell the cluster a node is out of service (frozen, partitioned away) or back. */
  markDown(name: string): void {
    this.down.add(name);
  }
  markUp(name: string): void {
    this.down.delete(name);
  }

  /** kill9 kills a node with SIGKILL. */
  async kill9(name: string): Promise<void> {
    this.down.add(name);
    await this.node(name).kill9();
  }

  /** stop stops a node with SIGTERM and resolves with its exit code. */
  async stop(name: string): Promise<number | null> {
    this.down.add(name);
    return this.node(name).stop();
  }

  /** restart starts a stopped or killed node again on its ports and data dir. */
  async restart(name: string, extra: Partial<DaemonOptions> = {}): Promise<Daemon> {
    const d = await this.node(name).restart(extra);
    this.adopt(d);
    return d;
  }

  /** killAll kills every daemon still running, by PID (SIGCONT first, in case one is frozen). */
  async killAll(): Promise<void> {
    for (const d of this.current.values()) {
      if (d.proc.exitCode === null && d.proc.signalCode === null) {
        try {
          process.kill(d.pid, 'SIGCONT');
        } catch {
          /* already gone */
        }
      }
    }
    await Promise.all([...this.current.values()].map((d) => d.kill9()));
  }

  /** setup creates the scenario's namespace and service on the first node and waits until every live node has the service. */
  async setup(): Promise<void> {
    const first = this.live()[0]!;
    const ns = await api(first, 'PUT', `/v1/namespaces/${NS}`, { type: 'HTTP' });
    if (ns.status >= 300) throw new Error(`creating the namespace: ${ns.status} ${JSON.stringify(ns.body)}`);
    const svc = await api(first, 'PUT', `/v1/namespaces/${NS}/services/${SVC}`, {});
    if (svc.status >= 300) throw new Error(`creating the service: ${svc.status} ${JSON.stringify(svc.body)}`);
    await waitFor(async () => {
      for (const d of this.live()) if ((await api(d, 'GET', `/v1/namespaces/${NS}/services/${SVC}`, undefined, 3000)).status !== 200) return false;
      return true;
    }, 'the service on every node', 15_000);
  }

  /** waitAllAlive waits until every live node sees every other live node alive. */
  async waitAllAlive(timeoutMs = 20_000): Promise<void> {
    await waitFor(async () => {
      const names = this.live().map((d) => d.name);
      for (const d of this.live()) {
        const members = (await api(d, 'GET', '/v1/members', undefined, 3000)).body.members as { name: string; status: string }[];
        for (const n of names) if (members.find((m) => m.name === n)?.status !== 'alive') return false;
      }
      return true;
    }, `all of ${this.live().map((d) => d.name).join(', ')} alive on each other`, timeoutMs, 200);
  }

  /** digest reads a node's state digest. */
  async digest(name: string): Promise<string> {
    return (await api(this.node(name), 'GET', '/v1/state/digest', undefined, 3000)).body.digest as string;
  }

  /** converge waits until every live node reports the same digest, and returns how long that took. */
  async converge(timeoutMs = CONVERGE_TIMEOUT_MS): Promise<number> {
    const t0 = Date.now();
    let last: string[] = [];
    try {
      await waitFor(async () => {
        last = await Promise.all(this.live().map((d) => this.digest(d.name)));
        return last.every((x) => x === last[0]);
      }, 'equal digests', timeoutMs, 250);
    } catch {
      const shown = this.live().map((d, i) => `${d.name}=${String(last[i]).slice(0, 8)}`).join(' ');
      throw new Error(`digests not equal after ${timeoutMs} ms: ${shown}`);
    }
    return Date.now() - t0;
  }

  /** instances reads a node's instances of the scenario's service as id -> value attribute. */
  async instances(name: string): Promise<Map<string, string>> {
    const r = await api(this.node(name), 'GET', `/v1/namespaces/${NS}/services/${SVC}/instances`, undefined, 5000);
    if (r.status !== 200) throw new Error(`${name}: listing instances answered ${r.status}`);
    const out = new Map<string, string>();
    for (const i of r.body.instances as { id: string; attributes: Record<string, string> }[]) out.set(i.id, i.attributes.v ?? '');
    return out;
  }

  /** storeState reads a node's store state from /v1/status ("ok" or "failed"). */
  async storeState(name: string): Promise<string> {
    return ((await api(this.node(name), 'GET', '/v1/status', undefined, 3000)).body.store as { state: string }).state;
  }
}

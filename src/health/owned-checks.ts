/**
 * OwnedChecks is the inside of the health unit: it tracks the instances this daemon
 * owns and runs their checks and TTL deadlines, writing their health records. It
 * watches the registry ('changed' events of the node), so a registration, a
 * re-registration, a config change or a deregistration, local or replicated, starts,
 * reschedules or stops checks without anyone calling it. The decisions (thresholds,
 * initial status, what to replicate) are in src/core/health. Private to src/health:
 * HealthManager (manager.ts) is the unit's one public face.
 */
import { effectiveCheckConfig, isActiveCheck } from '../core/health/config.js';
import { autoDeregisterAtMs, ttlDeadlineMs } from '../core/health/lifecycle.js';
import { firstCheckDelayMs, nextCheckDelayMs, delayUntilMs } from '../core/health/schedule.js';
import {
  applyCheckResult,
  applySetStatus,
  HEALTH_REASON,
  initialState,
  initialStatus,
  shouldReplicate,
  stateFromRecord,
  toHealthValue,
  type Transition,
} from '../core/health/state.js';
import type { Random } from '../core/gossip/types.js';
import { hlcWallMs } from '../core/hlc.js';
import { healthKey, instanceKey, parseKey } from '../core/keys.js';
import type { Rec } from '../core/records.js';
import type { HealthCheckConfig, HealthStatus, HealthValue, InstanceValue } from '../core/types.js';
import type { HealthNode } from './api.js';
import type { Deregistrar } from './deregistrar.js';
import { KeyedTimers } from './keyed-timers.js';
import type { HealthLogger } from './logger.js';
import type { HealthMetrics } from './metrics.js';
import type { CheckRunner } from './run-check.js';
import { CheckScheduler } from './scheduler.js';

/** OwnedChecksDeps are the collaborators OwnedChecks is built with (HealthManager fills in the defaults). */
export interface OwnedChecksDeps {
  node: HealthNode;
  deregistrar: Deregistrar;
  maxConcurrentChecks: number;
  random: Random;
  runner: CheckRunner;
  log: HealthLogger;
  metrics: HealthMetrics | null;
}

/** Tracked is the owner's live view of one instance it checks. */
export interface Tracked {
  ns: string;
  svc: string;
  id: string;
  key: string;
  inst: InstanceValue;
  cfg: HealthCheckConfig | null;
  cfgSig: string;
  initial: HealthStatus;
  state: HealthValue;
  /** gen is bumped on every (re)configuration, so results of an older schedule are dropped. */
  gen: number;
}

/** OwnedChecks owns the checks, TTL deadlines and auto-deregistrations of this node's instances. */
export class OwnedChecks {
  private readonly tracked = new Map<string, Tracked>();
  private readonly node: HealthNode;
  private readonly deregistrar: Deregistrar;
  private readonly scheduler: CheckScheduler;
  private readonly ttl: KeyedTimers;
  private readonly random: Random;
  private readonly runner: CheckRunner;
  private readonly log: HealthLogger;
  private readonly metrics: HealthMetrics | null;
  private started = false;
  private stopped = false;
  private readonly onChanged = (recs: Rec[]): void => this.handleChanged(recs);

  constructor(deps: OwnedChecksDeps) {
    this.node = deps.node;
    this.deregistrar = deps.deregistrar;
    this.scheduler = new CheckScheduler(deps.node.clock, deps.maxConcurrentChecks);
    this.ttl = new KeyedTimers(deps.node.clock);
    this.random = deps.random;
    this.runner = deps.runner;
    this.log = deps.log;
    this.metrics = deps.metrics;
  }

  /** start picks up every stored instance this node owns (spreading first checks over one interval) and re-arms pending drains. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.node.on('changed', this.onChanged);
    for (const key of this.node.registry.ownedBy(this.node.name)) {
      const p = parseKey(key)!;
      this.reconcile(p.ns, p.svc!, p.id!, true);
    }
  }

  /** stop cancels every timer and check; in-flight checks finish and are ignored. */
  stop(): void {
    this.stopped = true;
    this.node.off('changed', this.onChanged);
    this.scheduler.stop();
    this.ttl.clearAll();
    this.tracked.clear();
    this.metrics?.checkedInstances.set(0);
  }

  /** find returns the tracked state of an instance this node checks, if it does. */
  find(ns: string, svc: string, id: string): Tracked | undefined {
    return this.tracked.get(instanceKey(ns, svc, id));
  }

  private handleChanged(recs: Rec[]): void {
    if (this.stopped) return;
    for (const rec of recs) {
      const p = parseKey(rec.key);
      if (!p) continue;
      if (p.kind === 'i') this.reconcile(p.ns, p.svc!, p.id!, false);
      else if (p.kind === 's') {
        for (const t of [...this.tracked.values()]) if (t.ns === p.ns && t.svc === p.svc) this.reconcile(t.ns, t.svc, t.id, false);
      } else if (p.kind === 'h' && rec.node !== this.node.name) {
        const t = this.tracked.get(instanceKey(p.ns, p.svc!, p.id!));
        if (t && rec.value !== null) this.adoptForeign(t, rec.value as HealthValue, hlcWallMs(rec.hlc));
      }
    }
  }

  /** reconcile brings one instance's tracking in line with the registry: track, update or untrack. */
  private reconcile(ns: string, svc: string, id: string, spread: boolean): void {
    const key = instanceKey(ns, svc, id);
    const inst = this.node.registry.instance(ns, svc, id)?.value;
    if (!inst || inst.owner !== this.node.name) {
      this.untrack(key);
      // A drain accepted here for another owner's instance is still this node's to finish.
      if (inst) this.deregistrar.forgetUnhealthy(ns, svc, id);
      else this.deregistrar.forget(ns, svc, id);
      return;
    }
    const cfg = effectiveCheckConfig(this.node.registry.service(ns, svc), inst);
    const cfgSig = JSON.stringify(cfg);
    let t = this.tracked.get(key);
    if (!t) {
      const stored = this.node.registry.health(ns, svc, id);
      t = { ns, svc, id, key, inst, cfg, cfgSig, initial: initialStatus(cfg, inst.attributes), state: stored ? stateFromRecord(stored) : initialState(cfg, inst), gen: 0 };
      this.tracked.set(key, t);
      this.metrics?.checkedInstances.set(this.tracked.size);
      this.startChecks(t, spread);
    } else {
      const typeChanged = cfg?.type !== t.cfg?.type;
      t.inst = inst;
      t.initial = initialStatus(cfg, inst.attributes);
      if (cfgSig !== t.cfgSig) {
        t.cfg = cfg;
        t.cfgSig = cfgSig;
        if (typeChanged) {
          const stored = this.node.registry.health(ns, svc, id);
          t.state = stored ? stateFromRecord(stored) : initialState(cfg, inst);
        }
        this.startChecks(t, false);
      }
    }
    this.deregistrar.armDrain(ns, svc, id);
    this.armUnhealthy(t);
  }

  private untrack(key: string): void {
    const t = this.tracked.get(key);
    if (!t) return;
    t.gen++;
    this.tracked.delete(key);
    this.scheduler.cancel(key);
    this.ttl.clear(key);
    this.metrics?.checkedInstances.set(this.tracked.size);
  }

  private startChecks(t: Tracked, spread: boolean): void {
    t.gen++;
    this.scheduler.cancel(t.key);
    this.ttl.clear(t.key);
    const cfg = t.cfg;
    if (!cfg) return;
    if (isActiveCheck(cfg.type)) {
      const gen = t.gen;
      this.scheduler.schedule(t.key, firstCheckDelayMs(cfg.intervalMs, spread, this.random), () => this.runCheck(t, gen));
    } else if (cfg.type === 'TTL') {
      // A fresh registration or a restarted owner gets one full TTL to hear from the instance.
      this.armTtl(t, this.node.clock.nowMs());
    }
  }

  private live(t: Tracked, gen: number): boolean {
    return !this.stopped && t.gen === gen && this.tracked.get(t.key) === t;
  }

  private async runCheck(t: Tracked, gen: number): Promise<void> {
    if (!this.live(t, gen) || !t.cfg) return;
    const cfg = t.cfg;
    const startedMs = this.node.clock.nowMs();
    const endTimer = this.metrics?.checkDuration.startTimer({ type: cfg.type });
    this.metrics?.checksRunning.inc();
    let result: Awaited<ReturnType<CheckRunner>>;
    try {
      result = await this.runner(cfg, t.inst.attributes);
    } catch (err) {
      result = { ok: false, output: `check failed: ${(err as Error).message}` };
    } finally {
      this.metrics?.checksRunning.dec();
      endTimer?.();
    }
    this.metrics?.checks.inc({ type: cfg.type, result: result.ok ? 'pass' : 'fail' });
    if (!this.live(t, gen)) return;
    const now = this.node.clock.nowMs();
    void this.commit(t, applyCheckResult(t.state, result, cfg, now)).catch(() => undefined);
    const delay = delayUntilMs(startedMs + nextCheckDelayMs(cfg.intervalMs, this.random), now);
    this.scheduler.schedule(t.key, delay, () => this.runCheck(t, gen));
  }

  /** commit adopts a transition and writes a health record if it is a real status change. */
  async commit(t: Tracked, tr: Transition): Promise<void> {
    const stored = this.node.registry.health(t.ns, t.svc, t.id);
    const write = shouldReplicate(stored, tr.state, t.initial, t.cfg);
    const before = stored?.status ?? t.initial;
    t.state = tr.state;
    this.armUnhealthy(t);
    if (!write || this.stopped) return;
    if (before !== tr.state.status) {
      // A turn to UNHEALTHY is what an operator must see: warn, with the check's reason and output.
      (tr.state.status === 'UNHEALTHY' ? this.log.warn.bind(this.log) : this.log.info.bind(this.log))(
        { ns: t.ns, svc: t.svc, id: t.id, status: tr.state.status, previous: before, reason: tr.state.reason, output: tr.state.output, check: t.cfg?.type ?? null },
        `health ${t.ns}/${t.svc}/${t.id}: ${before} -> ${tr.state.status} (${tr.state.reason})`,
      );
      this.metrics?.statusChanges.inc({ status: tr.state.status, type: t.cfg?.type ?? 'NONE' });
    }
    try {
      await this.node.write([{ key: healthKey(t.ns, t.svc, t.id), value: toHealthValue(tr.state) }]);
    } catch (err) {
      this.log.warn({ ns: t.ns, svc: t.svc, id: t.id, err: (err as Error).message }, 'writing a health record failed');
      throw err;
    }
  }

  /** heartbeatOwned records a TTL heartbeat for an instance this node checks. */
  async heartbeatOwned(t: Tracked, status: HealthStatus, note: string): Promise<void> {
    const now = this.node.clock.nowMs();
    this.armTtl(t, now);
    await this.commit(t, applySetStatus(t.state, status, HEALTH_REASON.heartbeat, note, now));
  }

  private armTtl(t: Tracked, lastBeatMs: number): void {
    const cfg = t.cfg;
    if (cfg?.type !== 'TTL') return;
    const gen = t.gen;
    const deadline = ttlDeadlineMs(lastBeatMs, cfg);
    this.ttl.set(t.key, delayUntilMs(deadline, this.node.clock.nowMs()), () => {
      if (!this.live(t, gen)) return;
      const tr = applySetStatus(t.state, 'UNHEALTHY', HEALTH_REASON.ttlExpired, `no heartbeat within ttlMs (${cfg.ttlMs} ms)`, this.node.clock.nowMs());
      void this.commit(t, tr).catch(() => undefined);
    });
  }

  /**
   * adoptForeign takes in a health record another node wrote for an instance this node
   * owns: a CUSTOM status or a TTL heartbeat sent to another daemon. For TTL it counts
   * as a heartbeat at the time it was written (its HLC's wall time), so a heartbeat
   * that arrives late, e.g. after a partition heals, cannot extend the deadline.
   */
  private adoptForeign(t: Tracked, hv: HealthValue, writtenAtMs: number): void {
    t.state = stateFromRecord(hv);
    if (t.cfg?.type === 'TTL') this.armTtl(t, Math.min(this.node.clock.nowMs(), writtenAtMs));
    this.armUnhealthy(t);
  }

  private armUnhealthy(t: Tracked): void {
    const at = autoDeregisterAtMs(this.node.registry.service(t.ns, t.svc), t.state.status, t.state.changedAtMs);
    this.deregistrar.armUnhealthy(t.ns, t.svc, t.id, at, () => {
      const cur = this.tracked.get(t.key);
      if (!cur || this.stopped || cur.state.status !== 'UNHEALTHY') return false;
      const due = autoDeregisterAtMs(this.node.registry.service(t.ns, t.svc), cur.state.status, cur.state.changedAtMs);
      // A timer may fire a millisecond early; a few ms of slack avoids a spurious miss.
      return due !== undefined && due <= this.node.clock.nowMs() + 5;
    });
  }
}

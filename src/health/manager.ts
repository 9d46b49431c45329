/**
 * HealthManager is the health unit's one public face: the agent builds it on a
 * HealthNode, starts and stops it, and hands it to the HTTP API as its HealthApi.
 * Everything else in src/health is private to the unit.
 *
 * The HealthApi calls (heartbeat, custom status, drain) are accepted by any node, as
 * Cloud Map accepts UpdateInstanceCustomHealthStatus from anywhere: the owner applies
 * a call to its in-memory state and writes only a real status change; another node
 * writes the health record itself (every heartbeat, so the owner hears of it and
 * restarts its TTL deadline), and the owner adopts that record when it arrives. Later
 * writes win by HLC, so the owner's next real change supersedes a stale foreign one.
 */
import { requireCustomCheck, requireInstance, requireTtlCheck } from '../core/commands.js';
import { GrapevineError } from '../core/errors.js';
import type { Random } from '../core/gossip/types.js';
import { drainedInstance } from '../core/health/lifecycle.js';
import { truncateOutput } from '../core/health/output.js';
import { applySetStatus, HEALTH_REASON } from '../core/health/state.js';
import { validateDrainMs, validateHealthStatus, validateHeartbeatBody } from '../core/health/validate.js';
import { healthKey, instanceKey } from '../core/keys.js';
import type { HealthReason, HealthStatus, HealthValue } from '../core/types.js';
import type { HealthApi, HealthNode } from './api.js';
import { Deregistrar } from './deregistrar.js';
import { silentLogger, type HealthLogger } from './logger.js';
import type { HealthMetrics } from './metrics.js';
import { OwnedChecks } from './owned-checks.js';
import { runActiveCheck, type CheckRunner } from './run-check.js';

/** DEFAULT_MAX_CONCURRENT_CHECKS is the default of config health.maxConcurrentChecks. */
export const DEFAULT_MAX_CONCURRENT_CHECKS = 64;

/** HealthManagerOptions tunes a HealthManager; every field has a default. */
export interface HealthManagerOptions {
  /** maxConcurrentChecks caps active checks in flight (config health.maxConcurrentChecks). */
  maxConcurrentChecks?: number;
  random?: Random;
  runner?: CheckRunner;
  logger?: HealthLogger;
  /** metrics to update, or null for none (see healthMetrics). */
  metrics?: HealthMetrics | null;
}

/** HealthManager runs the checks, TTL deadlines, drains and auto-deregistrations of this node's instances, and serves the HealthApi. */
export class HealthManager implements HealthApi {
  private readonly node: HealthNode;
  private readonly deregistrar: Deregistrar;
  private readonly drainLog: HealthLogger;
  private readonly checks: OwnedChecks;
  private stopped = false;

  constructor(node: HealthNode, opts: HealthManagerOptions = {}) {
    this.node = node;
    const log = opts.logger ?? silentLogger;
    this.drainLog = log;
    this.deregistrar = new Deregistrar(node, log);
    this.checks = new OwnedChecks({
      node,
      deregistrar: this.deregistrar,
      maxConcurrentChecks: opts.maxConcurrentChecks ?? DEFAULT_MAX_CONCURRENT_CHECKS,
      random: opts.random ?? { next: Math.random },
      runner: opts.runner ?? runActiveCheck,
      log,
      metrics: opts.metrics ?? null,
    });
  }

  /** start picks up every stored instance this node owns (spreading first checks over one interval) and re-arms pending drains. */
  start(): void {
    if (this.stopped) return;
    this.checks.start();
  }

  /** stop cancels every timer and check; in-flight checks finish and are ignored. Deadlines are re-armed from the store on restart. */
  stop(): void {
    this.stopped = true;
    this.checks.stop();
    this.deregistrar.stop();
  }

  /**
   * heartbeat records a TTL heartbeat: InstanceNotFound (404) for an unknown instance,
   * InvalidInput unless its check is TTL. Status defaults to HEALTHY; the note is kept
   * as the check output.
   */
  async heartbeat(ns: string, svc: string, id: string, opts: { status?: HealthStatus; note?: string }): Promise<void> {
    this.refuseWhenStopped();
    const input = validateHeartbeatBody(opts);
    const status = input.status ?? 'HEALTHY';
    const note = input.note ?? '';
    requireTtlCheck(this.node.registry, ns, svc, id);
    const t = this.checks.find(ns, svc, id);
    if (t && t.cfg?.type === 'TTL') return this.checks.heartbeatOwned(t, status, note);
    await this.foreignWrite(ns, svc, id, status, HEALTH_REASON.heartbeat, note);
  }

  /**
   * setCustomHealth applies a CUSTOM status at once (Cloud Map's
   * UpdateInstanceCustomHealthStatus, without its ~30 s delay): InstanceNotFound for an
   * unknown instance, CustomHealthNotFound unless the instance's check is CUSTOM.
   */
  async setCustomHealth(ns: string, svc: string, id: string, rawStatus: HealthStatus): Promise<void> {
    this.refuseWhenStopped();
    const status = validateHealthStatus(rawStatus, 'status');
    requireCustomCheck(this.node.registry, ns, svc, id);
    const t = this.checks.find(ns, svc, id);
    if (t && t.cfg?.type === 'CUSTOM') {
      return this.checks.commit(t, applySetStatus(t.state, status, HEALTH_REASON.custom, '', this.node.clock.nowMs()));
    }
    const view = this.node.registry.instance(ns, svc, id);
    if (view && view.health === status && view.reason === HEALTH_REASON.custom) return; // already what the caller asks
    await this.foreignWrite(ns, svc, id, status, HEALTH_REASON.custom, '');
  }

  /**
   * drain marks an instance DRAINING at once, everywhere (the instance record carries
   * drainUntilMs, so lookups hide it before any deregistration), and deregisters it
   * after drainMs. The deadline is in the replicated record, so the owner re-arms it
   * after a restart; the node that took the call arms it too, in case it is not the owner.
   */
  async drain(ns: string, svc: string, id: string, drainMs: number): Promise<void> {
    this.refuseWhenStopped();
    validateDrainMs(drainMs);
    const inst = requireInstance(this.node.registry, ns, svc, id);
    const next = drainedInstance(inst, drainMs, this.node.clock.nowMs());
    if (next.drainUntilMs !== inst.drainUntilMs) await this.node.write([{ key: instanceKey(ns, svc, id), value: next }]);
    this.drainLog.info({ ns, svc, id, drainMs, drainUntilMs: next.drainUntilMs }, `drain started: ${ns}/${svc}/${id} is DRAINING and deregistered in ${drainMs} ms`);
    this.deregistrar.armDrain(ns, svc, id);
  }

  private refuseWhenStopped(): void {
    if (this.stopped) throw new GrapevineError('Unavailable', 'the health layer is shutting down');
  }

  /** foreignWrite writes a health record on behalf of another owner, keeping changedAtMs if the status is unchanged. */
  private async foreignWrite(ns: string, svc: string, id: string, status: HealthStatus, reason: HealthReason, output: string): Promise<void> {
    const stored = this.node.registry.health(ns, svc, id);
    const now = this.node.clock.nowMs();
    const value: HealthValue = {
      status,
      reason,
      output: truncateOutput(output),
      changedAtMs: stored && stored.status === status ? stored.changedAtMs : now,
      consecutiveSuccesses: status === 'HEALTHY' ? 1 : 0,
      consecutiveFailures: status === 'UNHEALTHY' ? 1 : 0,
    };
    await this.node.write([{ key: healthKey(ns, svc, id), value }]);
  }
}

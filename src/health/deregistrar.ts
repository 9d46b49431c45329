/**
 * Deregistrar removes instances on a deadline: at the end of a graceful drain, and
 * after an instance stayed UNHEALTHY for the service's deregisterAfterUnhealthyMs.
 * Deadlines live in replicated records (drainUntilMs, the health record's
 * changedAtMs), so a restarted daemon re-arms them from its store.
 */
import { deleteInstance } from '../core/commands.js';
import { GrapevineError } from '../core/errors.js';
import { delayUntilMs } from '../core/health/schedule.js';
import { drainDeadlineMs } from '../core/health/lifecycle.js';
import { instanceKey } from '../core/keys.js';
import type { HealthNode } from './api.js';
import { KeyedTimers } from './keyed-timers.js';
import type { HealthLogger } from './logger.js';

/** Deregistrar arms and fires drain and auto-deregistration deadlines. */
export class Deregistrar {
  private readonly drains: KeyedTimers;
  private readonly unhealthy: KeyedTimers;
  private readonly unhealthyAt = new Map<string, number>();

  constructor(
    private readonly node: HealthNode,
    private readonly log: HealthLogger,
  ) {
    this.drains = new KeyedTimers(node.clock);
    this.unhealthy = new KeyedTimers(node.clock);
  }

  /** armDrain (re)arms the drain deadline of an instance from its stored drainUntilMs, or clears it. */
  armDrain(ns: string, svc: string, id: string): void {
    const key = instanceKey(ns, svc, id);
    const inst = this.node.registry.instance(ns, svc, id)?.value;
    const deadline = inst ? drainDeadlineMs(inst) : undefined;
    if (deadline === undefined) {
      this.drains.clear(key);
      return;
    }
    this.drains.set(key, delayUntilMs(deadline, this.node.clock.nowMs()), () => {
      // Re-read: a re-registration cancels a drain, a later drain moves it.
      const now = this.node.registry.instance(ns, svc, id)?.value;
      if (!now || drainDeadlineMs(now) !== deadline) return;
      this.log.info({ ns, svc, id, drainUntilMs: deadline }, 'drain finished: deregistering instance');
      void this.deregister(ns, svc, id);
    });
  }

  /** armUnhealthy arms auto-deregistration at atMs, or clears it when atMs is undefined; recheck decides at fire time. */
  armUnhealthy(ns: string, svc: string, id: string, atMs: number | undefined, recheck: () => boolean): void {
    const key = instanceKey(ns, svc, id);
    if (atMs === undefined) {
      this.unhealthy.clear(key);
      this.unhealthyAt.delete(key);
      return;
    }
    // Called after every check run: re-arm only when the deadline moves.
    if (this.unhealthyAt.get(key) === atMs && this.unhealthy.has(key)) return;
    this.unhealthyAt.set(key, atMs);
    this.unhealthy.set(key, delayUntilMs(atMs, this.node.clock.nowMs()), () => {
      this.unhealthyAt.delete(key);
      if (!recheck()) return;
      this.log.info({ ns, svc, id }, 'instance stayed UNHEALTHY for deregisterAfterUnhealthyMs: deregistering');
      void this.deregister(ns, svc, id);
    });
  }

  /** forget drops every timer of an instance (it was deregistered or moved to another owner). */
  forget(ns: string, svc: string, id: string): void {
    const key = instanceKey(ns, svc, id);
    this.drains.clear(key);
    this.unhealthy.clear(key);
    this.unhealthyAt.delete(key);
  }

  /** forgetUnhealthy drops only the auto-deregistration timer (the instance is no longer ours to check). */
  forgetUnhealthy(ns: string, svc: string, id: string): void {
    const key = instanceKey(ns, svc, id);
    this.unhealthy.clear(key);
    this.unhealthyAt.delete(key);
  }

  /** stop cancels every deadline (they are re-armed from the store on the next start). */
  stop(): void {
    this.drains.clearAll();
    this.unhealthy.clearAll();
    this.unhealthyAt.clear();
  }

  /** deregister tombstones an instance and its health record; an instance already gone is fine. */
  async deregister(ns: string, svc: string, id: string): Promise<void> {
    try {
      await this.node.write(deleteInstance(this.node.registry, ns, svc, id));
    } catch (err) {
      if (err instanceof GrapevineError) return; // already deregistered (or its service went): nothing to do
      this.log.warn({ ns, svc, id, err: (err as Error).message }, 'deregistration failed');
    }
  }
}

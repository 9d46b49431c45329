import { GrapevineError } from '../core/errors.js';
import { parseKey } from '../core/keys.js';
import type { Rec } from '../core/records.js';
import type { Clock, TimerHandle } from './clock.js';
import type { GrapevineNode } from './node.js';

/** DEFAULT_MAX_WAITERS bounds blocked discovery requests per daemon. */
export const DEFAULT_MAX_WAITERS = 10_000;

interface Waiter {
  ns: string;
  svc: string;
  /** after is the service's local revision when the request parked; any change past it wakes the request. */
  after: number;
  timer: TimerHandle;
  resolve: (changed: boolean) => void;
}

/**
 * ServiceWaiters parks blocking discovery queries (Consul's `index` + `wait`) until
 * the service changes, or the wait ends. The route parks a request only when its
 * index equals the service's cluster-wide index (Registry.serviceIndex); from then on
 * any change to the service wakes it: a record (which usually raises the index) or a
 * status change of an owner (owner dead: its instances turn UNHEALTHY), which is not
 * a record and leaves the index where it is, so that the index stays the same on
 * every daemon. A woken client gets the new answer, and the same index if only a
 * member's status changed. The node-local serviceRevision tracks those changes. It
 * listens to the node's `changed` event and wakes only the waiters of the services
 * that the changed records touch; a change without records (a member's status) can
 * touch any service, so it checks them all.
 */
export class ServiceWaiters {
  private readonly byService = new Map<string, Set<Waiter>>();
  private count = 0;
  private readonly onChanged = (recs: Rec[]) => this.wake(recs);

  constructor(
    private readonly node: GrapevineNode,
    private readonly clock: Clock,
    private readonly maxWaiters = DEFAULT_MAX_WAITERS,
  ) {
    node.on('changed', this.onChanged);
  }

  /** size is the number of requests currently blocked. */
  get size(): number {
    return this.count;
  }

  /**
   * wait resolves true once the service changes (its local serviceRevision passes the
   * one it has now), or false after timeoutMs; an aborted signal resolves it at once.
   * Too many waiters is Unavailable.
   */
  wait(ns: string, svc: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const after = this.node.registry.serviceRevision(ns, svc);
    if (this.count >= this.maxWaiters) return Promise.reject(new GrapevineError('Unavailable', `too many blocking queries (${this.maxWaiters})`));
    return new Promise((resolve) => {
      const key = `${ns}|${svc}`;
      let set = this.byService.get(key);
      if (!set) this.byService.set(key, (set = new Set()));
      const w: Waiter = {
        ns,
        svc,
        after,
        resolve: (changed) => {
          if (!set!.delete(w)) return;
          this.count--;
          if (set!.size === 0) this.byService.delete(key);
          this.clock.clearTimeout(w.timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(changed);
        },
        timer: this.clock.setTimeout(() => w.resolve(false), timeoutMs),
      };
      const onAbort = () => w.resolve(false);
      set.add(w);
      this.count++;
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** closeAll answers every blocked request now (shutdown) and stops listening to the node. */
  closeAll(): void {
    this.node.off('changed', this.onChanged);
    for (const set of [...this.byService.values()]) for (const w of [...set]) w.resolve(false);
  }

  private wake(recs: Rec[]): void {
    if (this.count === 0) return;
    let keys: Iterable<string> = this.byService.keys();
    if (recs.length > 0) {
      const touched = new Set<string>();
      let wholeNamespaces: Set<string> | undefined;
      for (const r of recs) {
        const p = parseKey(r.key);
        if (!p) continue;
        if (p.svc !== undefined) touched.add(`${p.ns}|${p.svc}`);
        else (wholeNamespaces ??= new Set()).add(p.ns);
      }
      if (wholeNamespaces) for (const k of this.byService.keys()) if (wholeNamespaces.has(k.slice(0, k.indexOf('|')))) touched.add(k);
      keys = touched;
    }
    const reg = this.node.registry;
    for (const key of [...keys]) {
      const set = this.byService.get(key);
      if (!set) continue;
      for (const w of [...set]) if (reg.serviceRevision(w.ns, w.svc) > w.after) w.resolve(true);
    }
  }
}

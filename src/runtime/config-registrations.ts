/**
 * Config registrations are authoritative for their host: the `registrations` of a
 * daemon's config are what its operator wants on that host. At every start (and on
 * SIGHUP) they are re-applied; one removed from the config since the last start is
 * deregistered; instances registered through the API are left alone. The daemon
 * remembers which instances came from its config under a local meta key.
 *
 * An instance deregistered elsewhere while this daemon was down is usually not known
 * to be deleted at start-up: the tombstone comes in by anti-entropy a moment later.
 * So the keeper also watches merges: a tombstone of a config instance written before
 * this daemon started is a deregistration it missed while down, and the instance is
 * registered again (logged). A deregistration made after the start is respected until
 * the next start or reload, as Consul does with its service definitions.
 */
import { deleteInstance, putInstance, type Write } from '../core/commands.js';
import { GrapevineError, invalid } from '../core/errors.js';
import { hlcWallMs } from '../core/hlc.js';
import { instanceKey } from '../core/keys.js';
import type { Rec } from '../core/records.js';
import type { RegistrationDef } from '../config/types.js';
import type { Logger } from '../obs/logger.js';
import type { GrapevineNode } from './node.js';

const META_KEY = 'config.registrations';
/** MAX_CONFIG_REGISTRATIONS bounds the remembered list (the config loader bounds the list itself the same way). */
export const MAX_CONFIG_REGISTRATIONS = 100_000;

/** RegistrationSummary counts what one reconcile did. */
export interface RegistrationSummary {
  registered: number;
  restored: number;
  deregistered: number;
}

/** ConfigRegistrationKeeper applies a daemon's config registrations and keeps them in place. */
export class ConfigRegistrationKeeper {
  private defs = new Map<string, RegistrationDef>();
  private readonly onChanged = (recs: Rec[]) => void this.restoreMissed(recs);
  private watching = false;

  constructor(
    private readonly node: GrapevineNode,
    private readonly logger: Logger,
    /** bootMs is when this daemon started (wall clock): deletes older than it were missed while down. */
    private readonly bootMs: number,
  ) {}

  /**
   * reconcile applies `defs` (a start or a reload): each is registered or updated (a
   * deleted one comes back, logged), and each instance registered from the previous
   * config but absent from this one is deregistered. A bad definition throws
   * InvalidInput naming its place in the file; nothing after it is applied.
   */
  async reconcile(defs: RegistrationDef[], source: 'start' | 'reload'): Promise<RegistrationSummary> {
    const reg = this.node.registry;
    const summary: RegistrationSummary = { registered: 0, restored: 0, deregistered: 0 };
    const next = new Map<string, RegistrationDef>();
    for (const [i, d] of defs.entries()) {
      const { namespace, service, id, node: _owner, ...body } = d;
      const key = instanceKey(namespace, service, id);
      const gone = reg.get(key)?.value === null;
      const writes = wrap(`registrations[${i}]`, () => putInstance(reg, namespace, service, id, body, this.ctx()).writes);
      next.set(key, d);
      if (writes.length === 0) continue;
      await this.node.write(writes);
      summary.registered++;
      const what = { namespace, service, instance: id, source: 'config', result: gone ? 'restored' : 'registered' };
      if (gone) {
        summary.restored++;
        this.logger.info(what, `config registration ${namespace}/${service}/${id} was deregistered; registered again from the config (${source})`);
      } else this.logger.info(what, `config registration ${namespace}/${service}/${id} applied (${source})`);
    }
    const previous = (await this.node.store.getMeta<string[]>(META_KEY)) ?? [...this.defs.keys()];
    for (const key of Array.isArray(previous) ? previous : []) {
      if (next.has(key) || typeof key !== 'string') continue;
      const [, ns, svc, id] = key.split('|');
      const rec = reg.get(key);
      if (!ns || !svc || !id || !rec || rec.value === null || (rec.value as { owner?: string }).owner !== this.node.name) continue;
      await this.node.write(deleteInstance(reg, ns, svc, id));
      summary.deregistered++;
      this.logger.info({ namespace: ns, service: svc, instance: id, source: 'config', result: 'deregistered' }, `registration ${ns}/${svc}/${id} is no longer in the config; deregistered (${source})`);
    }
    this.defs = next;
    await this.node.writeMeta({ [META_KEY]: [...next.keys()].slice(0, MAX_CONFIG_REGISTRATIONS) });
    if (!this.watching) {
      this.watching = true;
      this.node.on('changed', this.onChanged);
    }
    return summary;
  }

  /** stop stops watching merges. */
  stop(): void {
    this.node.off('changed', this.onChanged);
    this.watching = false;
  }

  /** restoreMissed registers again config instances whose tombstone (from a peer) predates this daemon's start. */
  private async restoreMissed(recs: Rec[]): Promise<void> {
    for (const r of recs) {
      if (r.value !== null || r.node === this.node.name || hlcWallMs(r.hlc) >= this.bootMs) continue;
      const d = this.defs.get(r.key);
      if (!d) continue;
      const { namespace, service, id, node: _owner, ...body } = d;
      try {
        const writes = putInstance(this.node.registry, namespace, service, id, body, this.ctx()).writes;
        if (writes.length === 0) continue;
        await this.node.write(writes);
        this.logger.info({ namespace, service, instance: id, source: 'config', result: 'restored', deregisteredBy: r.node }, `config registration ${namespace}/${service}/${id} was deregistered by ${r.node} while this daemon was down; registered again from the config`);
      } catch (e) {
        this.logger.warn({ err: e, namespace, service, instance: id }, 'could not register a config registration again');
      }
    }
  }

  private ctx(): { node: string; nowMs: number } {
    return { node: this.node.name, nowMs: this.node.clock.nowMs() };
  }
}

/** wrap turns a command's typed error into InvalidInput naming the definition's place in the file. */
function wrap(field: string, fn: () => Write[]): Write[] {
  try {
    return fn();
  } catch (e) {
    if (e instanceof GrapevineError) throw invalid(field, `${e.code}: ${e.message}`);
    throw e;
  }
}

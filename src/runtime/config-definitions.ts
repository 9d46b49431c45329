import { putNamespace, putService, type Write } from '../core/commands.js';
import { GrapevineError, invalid } from '../core/errors.js';
import type { ConfigRegistrationKeeper } from './config-registrations.js';
import type { GrapevineNode } from './node.js';
import type { AgentConfig } from '../config/types.js';

/** ApplySummary counts what applying the config's definitions wrote. */
export interface ApplySummary {
  namespaces: number;
  services: number;
  registrations: number;
}

/**
 * applyConfigDefinitions creates the config file's namespaces and services, then hands
 * this node's registrations to the ConfigRegistrationKeeper (re-applied at every
 * start, removed ones deregistered). It is idempotent: definitions equal to what is
 * stored write nothing, so a restart does not churn versions (and gossip). A bad
 * definition throws InvalidInput naming its place in the file.
 */
export async function applyConfigDefinitions(node: GrapevineNode, config: AgentConfig, nowMs: number, registrations: ConfigRegistrationKeeper, source: 'start' | 'reload' = 'start'): Promise<ApplySummary> {
  const ctx = { node: node.name, nowMs };
  const reg = node.registry;
  const summary: ApplySummary = { namespaces: 0, services: 0, registrations: 0 };
  const run = async (field: string, fn: () => Write[]): Promise<number> => {
    let writes: Write[];
    try {
      writes = fn();
    } catch (e) {
      if (e instanceof GrapevineError) throw invalid(field, `${e.code}: ${e.message}`);
      throw e;
    }
    if (writes.length > 0) await node.write(writes);
    return writes.length > 0 ? 1 : 0;
  };
  for (const [i, d] of config.namespaces.entries()) {
    const { name, ...body } = d;
    summary.namespaces += await run(`namespaces[${i}]`, () => putNamespace(reg, name, body, ctx).writes);
  }
  for (const [i, d] of config.services.entries()) {
    const { namespace, name, ...body } = d;
    summary.services += await run(`services[${i}]`, () => putService(reg, namespace, name, body, ctx).writes);
  }
  const r = await registrations.reconcile(config.registrations, source);
  summary.registrations = r.registered + r.deregistered;
  return summary;
}

import { requireCustomCheck, requireTtlCheck } from '../../core/commands.js';
import { GrapevineError } from '../../core/errors.js';
import { validateCustomHealthBody, validateHeartbeatBody } from '../../core/validate.js';
import type { ApiDeps, Route } from '../types.js';
import { instanceJson, instanceParams } from './instances.js';

// The bodies are checked by the same validators as the health layer's own input (core/health/validate.ts).
export { MAX_NOTE_CHARS } from '../../core/validate.js';

/**
 * healthRoutes serves custom health (Cloud Map's UpdateInstanceCustomHealthStatus)
 * and TTL heartbeats. Input is validated here; the work is the health layer's, and
 * without one the routes answer 501 NotImplemented after validation.
 */
export function healthRoutes(deps: ApiDeps): Route[] {
  const reg = deps.ctx.node.registry;
  const base = '/v1/namespaces/:ns/services/:svc/instances/:id';
  const healthApi = () => {
    if (!deps.ctx.health) throw new GrapevineError('NotImplemented', 'the health layer is not enabled on this daemon');
    return deps.ctx.health;
  };
  return [
    {
      method: 'PUT',
      path: `${base}/health`,
      acl: { resource: 'service', access: 'write' },
      handler: async (req) => {
        const { ns, svc, id } = instanceParams(req);
        const { status: s } = validateCustomHealthBody(req.body);
        requireCustomCheck(reg, ns, svc, id);
        await healthApi().setCustomHealth(ns, svc, id, s);
        return { body: instanceJson(reg, reg.instance(ns, svc, id)!) };
      },
    },
    {
      method: 'PUT',
      path: `${base}/heartbeat`,
      acl: { resource: 'service', access: 'write' },
      handler: async (req) => {
        const { ns, svc, id } = instanceParams(req);
        const opts = validateHeartbeatBody(req.body);
        requireTtlCheck(reg, ns, svc, id);
        await healthApi().heartbeat(ns, svc, id, opts);
        const v = reg.instance(ns, svc, id);
        return { body: v ? instanceJson(reg, v) : {} };
      },
    },
  ];
}

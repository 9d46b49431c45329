import { requireCustomCheck, requireTtlCheck } from '../../core/commands.js';
import { GrapevineError, invalid } from '../../core/errors.js';
import type { HealthStatus } from '../../core/types.js';
import { asObject, optString } from '../../core/validate.js';
import type { ApiDeps, Route } from '../types.js';
import { instanceJson, instanceParams } from './instances.js';

/** MAX_NOTE_CHARS bounds a heartbeat note (the health record keeps 4 KB of output). */
export const MAX_NOTE_CHARS = 4096;

function status(v: unknown, field: string): HealthStatus {
  if (v !== 'HEALTHY' && v !== 'UNHEALTHY') throw invalid(field, 'must be HEALTHY or UNHEALTHY');
  return v;
}

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
      handler: async (req) => {
        const { ns, svc, id } = instanceParams(req);
        const o = asObject(req.body, '', ['status']);
        const s = status(o.status, 'status');
        requireCustomCheck(reg, ns, svc, id);
        await healthApi().setCustomHealth(ns, svc, id, s);
        return { body: instanceJson(reg, reg.instance(ns, svc, id)!) };
      },
    },
    {
      method: 'PUT',
      path: `${base}/heartbeat`,
      handler: async (req) => {
        const { ns, svc, id } = instanceParams(req);
        const o = asObject(req.body ?? {}, '', ['status', 'note']);
        const opts: { status?: HealthStatus; note?: string } = {};
        if (o.status !== undefined) opts.status = status(o.status, 'status');
        const note = optString(o, 'note', 'note', MAX_NOTE_CHARS);
        if (note !== undefined) opts.note = note;
        requireTtlCheck(reg, ns, svc, id);
        await healthApi().heartbeat(ns, svc, id, opts);
        const v = reg.instance(ns, svc, id);
        return { body: v ? instanceJson(reg, v) : {} };
      },
    },
  ];
}

import { deleteInstance, putInstance, requireInstance, requireService } from '../../core/commands.js';
import { GrapevineError } from '../../core/errors.js';
import type { InstanceView, Registry } from '../../core/registry.js';
import { MAX_DRAIN_MS, validateInstanceId, validateNamespaceName, validateServiceName } from '../../core/validate.js';
import { onlyParams, parseIntParam } from '../params.js';
import { PAGE_PARAMS, paginate } from '../paginate.js';
import type { ApiDeps, ApiRequest, Route } from '../types.js';
import { awsAttributes } from '../../core/aws-attributes.js';

// MAX_DRAIN_MS bounds `drainMs` on deregistration (one day); one bound, in core, for HTTP and the health layer.
export { MAX_DRAIN_MS };

/** instanceJson shows an instance with its effective health, its reason and the stored health record. */
export function instanceJson(reg: Registry, v: InstanceView, withRecord = true): Record<string, unknown> {
  const i = v.value;
  const out: Record<string, unknown> = {
    id: i.id,
    namespace: i.namespace,
    service: i.service,
    attributes: awsAttributes(i),
    node: i.owner,
    health: v.health,
    healthReason: v.reason,
    registeredAtMs: i.registeredAtMs,
  };
  if (i.drainUntilMs !== undefined) out.drainUntilMs = i.drainUntilMs;
  if (i.healthCheck) out.healthCheck = i.healthCheck;
  if (withRecord) {
    const h = reg.health(i.namespace, i.service, i.id);
    if (h) out.healthRecord = h;
  }
  return out;
}

/** instanceParams validates the {ns, svc, id} path parameters of an instance route. */
export function instanceParams(req: ApiRequest): { ns: string; svc: string; id: string } {
  return {
    ns: validateNamespaceName(req.params.ns),
    svc: validateServiceName(req.params.svc),
    id: validateInstanceId(req.params.id),
  };
}

/** instanceRoutes serves register (upsert), list, get and deregister (optionally with a drain). */
export function instanceRoutes(deps: ApiDeps): Route[] {
  const node = deps.ctx.node;
  const reg = node.registry;
  const base = '/v1/namespaces/:ns/services/:svc/instances';
  return [
    {
      method: 'GET',
      path: base,
      acl: { resource: 'service', access: 'read' },
      query: PAGE_PARAMS,
      handler: (req) => {
        const ns = validateNamespaceName(req.params.ns);
        const svc = validateServiceName(req.params.svc);
        requireService(reg, ns, svc);
        const page = paginate(reg.instances(ns, svc), (v) => v.value.id, req.query);
        return { body: { instances: page.items.map((v) => instanceJson(reg, v, false)), revision: reg.serviceIndex(ns, svc), ...(page.next ? { next: page.next } : {}) } };
      },
    },
    {
      method: 'GET',
      path: `${base}/:id`,
      acl: { resource: 'service', access: 'read' },
      handler: (req) => {
        const { ns, svc, id } = instanceParams(req);
        requireInstance(reg, ns, svc, id);
        return { body: instanceJson(reg, reg.instance(ns, svc, id)!) };
      },
    },
    {
      method: 'PUT',
      path: `${base}/:id`,
      acl: { resource: 'service', access: 'write' },
      handler: async (req) => {
        const r = putInstance(reg, req.params.ns!, req.params.svc!, req.params.id!, req.body, { node: node.name, nowMs: node.clock.nowMs() });
        if (r.writes.length) await node.write(r.writes);
        const { namespace, service, id } = r.value;
        return { status: r.created ? 201 : 200, body: instanceJson(reg, reg.instance(namespace, service, id)!) };
      },
    },
    {
      method: 'DELETE',
      path: `${base}/:id`,
      acl: { resource: 'service', access: 'write' },
      query: ['drainMs'],
      handler: async (req) => {
        onlyParams(req.query, ['drainMs']);
        const { ns, svc, id } = instanceParams(req);
        const drain = req.query.get('drainMs');
        if (drain !== null) {
          const drainMs = parseIntParam(drain, 'drainMs', 1, MAX_DRAIN_MS);
          requireInstance(reg, ns, svc, id);
          if (!deps.ctx.health) throw new GrapevineError('NotImplemented', 'drain needs the health layer, which is not enabled on this daemon');
          await deps.ctx.health.drain(ns, svc, id, drainMs);
          const v = reg.instance(ns, svc, id);
          return { status: 202, body: v ? instanceJson(reg, v) : { deleted: `${ns}/${svc}/${id}` } };
        }
        await node.write(deleteInstance(reg, ns, svc, id));
        return { body: { deleted: `${ns}/${svc}/${id}` } };
      },
    },
  ];
}

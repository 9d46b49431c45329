import { deleteService, putService, requireNamespace, requireService } from '../../core/commands.js';
import { GrapevineError } from '../../core/errors.js';
import { validateNamespaceName, validateServiceName } from '../../core/validate.js';
import { PAGE_PARAMS, paginate } from '../paginate.js';
import type { ApiDeps, Route } from '../types.js';

/** serviceRoutes serves create/update, list, get and delete of services. */
export function serviceRoutes(deps: ApiDeps): Route[] {
  const node = deps.ctx.node;
  const reg = node.registry;
  return [
    {
      method: 'GET',
      path: '/v1/namespaces/:ns/services',
      acl: 'list',
      query: PAGE_PARAMS,
      handler: (req) => {
        const ns = validateNamespaceName(req.params.ns);
        const authz = req.identity.authz;
        if (!authz.namespaceVisible(ns)) throw new GrapevineError('PermissionDenied', `token may not read namespace ${ns}`);
        requireNamespace(reg, ns);
        const page = paginate(reg.services(ns).filter((s) => authz.service(ns, s.name, 'read')), (s) => s.name, req.query);
        const services = page.items.map((s) => ({ ...s, instanceCount: reg.instanceCount(ns, s.name), revision: reg.serviceIndex(ns, s.name) }));
        return { body: { services, ...(page.next ? { next: page.next } : {}) } };
      },
    },
    {
      method: 'GET',
      path: '/v1/namespaces/:ns/services/:svc',
      acl: { resource: 'service', access: 'read' },
      handler: (req) => {
        const ns = validateNamespaceName(req.params.ns);
        const svc = validateServiceName(req.params.svc);
        const s = requireService(reg, ns, svc);
        return { body: { ...s, instanceCount: reg.instanceCount(ns, svc), revision: reg.serviceIndex(ns, svc) } };
      },
    },
    {
      method: 'PUT',
      path: '/v1/namespaces/:ns/services/:svc',
      acl: { resource: 'service', access: 'write' },
      handler: async (req) => {
        const r = putService(reg, req.params.ns!, req.params.svc!, req.body, { node: node.name, nowMs: node.clock.nowMs() });
        if (r.writes.length) await node.write(r.writes);
        return { status: r.created ? 201 : 200, body: r.value };
      },
    },
    {
      method: 'DELETE',
      path: '/v1/namespaces/:ns/services/:svc',
      acl: { resource: 'service', access: 'write' },
      handler: async (req) => {
        await node.write(deleteService(reg, req.params.ns!, req.params.svc!));
        return { body: { deleted: `${validateNamespaceName(req.params.ns)}/${validateServiceName(req.params.svc)}` } };
      },
    },
  ];
}

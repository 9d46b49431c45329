import { deleteNamespace, putNamespace, requireNamespace } from '../../core/commands.js';
import { validateNamespaceName } from '../../core/validate.js';
import { PAGE_PARAMS, paginate } from '../paginate.js';
import type { ApiDeps, Route } from '../types.js';

/** namespaceRoutes serves create/update, list, get and delete of namespaces. */
export function namespaceRoutes(deps: ApiDeps): Route[] {
  const node = deps.ctx.node;
  return [
    {
      method: 'GET',
      path: '/v1/namespaces',
      acl: 'list',
      query: PAGE_PARAMS,
      handler: (req) => {
        const page = paginate(node.registry.namespaces().filter((n) => req.identity.authz.namespaceVisible(n.name)), (n) => n.name, req.query);
        return { body: { namespaces: page.items, ...(page.next ? { next: page.next } : {}) } };
      },
    },
    {
      method: 'GET',
      path: '/v1/namespaces/:ns',
      acl: { resource: 'namespace', access: 'read' },
      handler: (req) => ({ body: requireNamespace(node.registry, validateNamespaceName(req.params.ns)) }),
    },
    {
      method: 'PUT',
      path: '/v1/namespaces/:ns',
      acl: { resource: 'namespace', access: 'write' },
      handler: async (req) => {
        const r = putNamespace(node.registry, req.params.ns!, req.body, { node: node.name, nowMs: node.clock.nowMs() });
        if (r.writes.length) await node.write(r.writes);
        return { status: r.created ? 201 : 200, body: r.value };
      },
    },
    {
      method: 'DELETE',
      path: '/v1/namespaces/:ns',
      acl: { resource: 'namespace', access: 'write' },
      handler: async (req) => {
        const writes = deleteNamespace(node.registry, req.params.ns!);
        await node.write(writes);
        return { body: { deleted: validateNamespaceName(req.params.ns) } };
      },
    },
  ];
}

import { requireService } from '../../core/commands.js';
import { discover, parseDiscoverQuery } from '../../core/discovery.js';
import { validateNamespaceName, validateServiceName } from '../../core/validate.js';
import { parseIndex, parseWaitMs } from '../params.js';
import type { ApiDeps, Route } from '../types.js';

/**
 * discoverRoutes serves GET /v1/discover/{ns}/{svc}: Cloud Map's DiscoverInstances,
 * plus Consul-style blocking: with `index=R` the request waits (up to `wait`) until
 * the service's revision passes R. The revision also goes out as X-Grapevine-Revision.
 */
export function discoverRoutes(deps: ApiDeps): Route[] {
  const reg = deps.ctx.node.registry;
  return [
    {
      method: 'GET',
      path: '/v1/discover/:ns/:svc',
      handler: async (req) => {
        const ns = validateNamespaceName(req.params.ns);
        const svc = validateServiceName(req.params.svc);
        const q = parseDiscoverQuery(req.query);
        const index = parseIndex(req.query.get('index'));
        const waitMs = parseWaitMs(req.query.get('wait'));
        requireService(reg, ns, svc);
        if (index !== null && reg.serviceRevision(ns, svc) <= index) {
          await deps.waiters.wait(ns, svc, index, waitMs, req.signal);
        }
        const r = discover(reg, ns, svc, q, deps.random, deps.viewCache.views(reg, ns, svc));
        return { body: r, headers: { 'x-grapevine-revision': String(r.revision) } };
      },
    },
  ];
}

import { requireService } from '../../core/commands.js';
import { discoverViews, parseDiscoverQuery, toDiscovered, type PickedViews } from '../../core/discovery.js';
import type { InstanceView } from '../../core/registry.js';
import { validateNamespaceName, validateServiceName } from '../../core/validate.js';
import { parseIndex, parseWaitMs } from '../params.js';
import type { ApiDeps, Route } from '../types.js';

const HEAD = Buffer.from('{"instances":[');
const COMMA = Buffer.from(',');

/**
 * discoverRoutes serves GET /v1/discover/{ns}/{svc}: Cloud Map's DiscoverInstances,
 * plus Consul-style blocking: with `index=R` the request waits (up to `wait`) until
 * the service's revision passes R. The revision also goes out as X-Grapevine-Revision.
 */
export function discoverRoutes(deps: ApiDeps): Route[] {
  const reg = deps.ctx.node.registry;
  // Each instance's JSON is encoded once per view, as bytes; views are cached per service
  // revision, so a hot service's answer is one Buffer.concat of ready-made pieces (the
  // route must keep up with a bare node:http server).
  const jsonOf = new WeakMap<InstanceView, Buffer>();
  const serialize = (r: PickedViews): Buffer => {
    const tail = Buffer.from(`],"revision":${r.revision},"truncated":${r.truncated}}`);
    const parts: Buffer[] = [HEAD];
    let size = HEAD.length + tail.length;
    for (let i = 0; i < r.views.length; i++) {
      const v = r.views[i]!;
      let b = jsonOf.get(v);
      if (b === undefined) jsonOf.set(v, (b = Buffer.from(JSON.stringify(toDiscovered(v)))));
      if (i > 0) parts.push(COMMA);
      parts.push(b);
      size += b.length + (i > 0 ? 1 : 0);
    }
    parts.push(tail);
    return Buffer.concat(parts, size);
  };
  return [
    {
      method: 'GET',
      path: '/v1/discover/:ns/:svc',
      handler: (req) => {
        const ns = validateNamespaceName(req.params.ns);
        const svc = validateServiceName(req.params.svc);
        const q = parseDiscoverQuery(req.query);
        const index = parseIndex(req.query.get('index'));
        const waitMs = parseWaitMs(req.query.get('wait'));
        requireService(reg, ns, svc);
        const answer = () => {
          const r = discoverViews(reg, ns, svc, q, deps.random, deps.viewCache.views(reg, ns, svc));
          return { bytes: serialize(r), headers: { 'x-grapevine-revision': String(r.revision) } };
        };
        if (index !== null && reg.serviceRevision(ns, svc) <= index) {
          return deps.waiters.wait(ns, svc, index, waitMs, req.signal).then(answer);
        }
        return answer();
      },
    },
  ];
}

import type { ApiDeps, Route } from '../types.js';

/** stateRoutes serves GET /v1/state/digest: a hash of the whole registry, equal on nodes holding equal state. */
export function stateRoutes(deps: ApiDeps): Route[] {
  return [{ method: 'GET', path: '/v1/state/digest', acl: { resource: 'agent', access: 'read' }, handler: () => ({ body: { digest: deps.ctx.stateDigest() } }) }];
}

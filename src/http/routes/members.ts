import type { ApiDeps, Route } from '../types.js';

/** memberRoutes serves GET /v1/members from the membership layer (just this node until gossip is wired in). */
export function memberRoutes(deps: ApiDeps): Route[] {
  return [{ method: 'GET', path: '/v1/members', handler: () => ({ body: { members: deps.ctx.membership.members() } }) }];
}

import { PAGE_PARAMS, paginate } from '../paginate.js';
import type { ApiDeps, Route } from '../types.js';

/**
 * memberRoutes serves GET /v1/members from the membership layer (just this node until
 * gossip is wired in). Each member measured here also shows its clock against the
 * cluster's (clockSkewMs) and whether that is past maxClockSkewMs (clockSkewed).
 */
export function memberRoutes(deps: ApiDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/members',
      acl: { resource: 'agent', access: 'read' },
      query: PAGE_PARAMS,
      handler: (req) => {
        const skew = deps.ctx.clockSkew;
        const page = paginate(deps.ctx.membership.members(), (m) => m.name, req.query);
        const members = page.items.map((m) => {
          const s = skew?.memberSkew(m.name);
          return s ? { ...m, ...s } : m;
        });
        return { body: { members, ...(page.next ? { next: page.next } : {}) } };
      },
    },
  ];
}

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
      handler: () => {
        const skew = deps.ctx.clockSkew;
        const members = deps.ctx.membership.members().map((m) => {
          const s = skew?.memberSkew(m.name);
          return s ? { ...m, ...s } : m;
        });
        return { body: { members } };
      },
    },
  ];
}

import type { ApiDeps, Route } from '../types.js';

const startedAtMs = Date.now();

/** statusRoutes serves GET /v1/status: who this daemon is and how far its registry has come. */
export function statusRoutes(deps: ApiDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/status',
      acl: 'public',
      handler: () => {
        const { node } = deps.ctx;
        return {
          body: {
            node: node.name,
            version: deps.ctx.version,
            revision: node.registry.revision,
            hlc: node.hlc.current(),
            seq: node.seq,
            records: node.registry.records.size,
            namespaces: node.registry.namespaces().length,
            uptimeMs: Date.now() - startedAtMs,
            health: deps.ctx.health ? 'enabled' : 'disabled',
            // clock: this node's clock against the cluster's; skewed: true means writes are refused (ClockSkew).
            clock: deps.ctx.clockSkew?.status() ?? null,
            store: node.store.health(),
          },
        };
      },
    },
  ];
}

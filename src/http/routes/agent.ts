import { GrapevineError } from '../../core/errors.js';
import type { ApiDeps, Route } from '../types.js';

/**
 * agentRoutes serves POST /v1/agent/leave: announce a graceful leave to the cluster,
 * then shut the daemon down (as `consul leave` does), after the answer is sent.
 */
export function agentRoutes(deps: ApiDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/agent/force-leave/:node',
      acl: { resource: 'agent', access: 'write' },
      handler: (req) => {
        const fl = deps.ctx.membership.forceLeave;
        if (!fl) throw new GrapevineError('NotImplemented', 'this daemon runs without gossip');
        const m = fl(req.params.node!);
        deps.logger.info({ member: m.name, remote: req.raw.socket.remoteAddress, result: m.status }, `force-leave: member ${m.name} marked ${m.status}`);
        return { body: { member: m } };
      },
    },
    {
      method: 'POST',
      path: '/v1/agent/leave',
      acl: { resource: 'agent', access: 'write' },
      handler: async () => {
        await deps.ctx.membership.leave();
        deps.logger.info('left the cluster on request; shutting down');
        // Give the answer time to reach the client before the server stops.
        const shutdown = deps.requestShutdown;
        if (shutdown) setTimeout(shutdown, 100);
        return { body: { left: true, node: deps.ctx.node.name }, headers: { connection: 'close' } };
      },
    },
  ];
}

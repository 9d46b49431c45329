import { metricsRegistry } from '../../obs/metrics.js';
import type { ApiDeps, Route } from '../types.js';

/** metricsRoutes serves GET /v1/metrics in Prometheus text format. */
export function metricsRoutes(_deps: ApiDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/metrics',
      acl: { resource: 'agent', access: 'read' },
      handler: async () => ({ text: await metricsRegistry.metrics(), contentType: metricsRegistry.contentType }),
    },
  ];
}

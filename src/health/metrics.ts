/** Prometheus metrics of the health layer (prom-client), registered once per registry. */
import client from 'prom-client';
import { metricsRegistry } from '../obs/metrics.js';

/** HealthMetrics are the counters and gauges the health layer updates. */
export interface HealthMetrics {
  statusChanges: client.Counter<'status' | 'type'>;
  checks: client.Counter<'type' | 'result'>;
  checkDuration: client.Histogram<'type'>;
  checksRunning: client.Gauge;
  checkedInstances: client.Gauge;
}

function once<T>(registry: client.Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/**
 * healthMetrics returns the health metrics on a prom-client registry (the daemon's
 * metricsRegistry, served at GET /v1/metrics, unless one is given), reusing them if already registered there, so that
 * several managers in one process (tests) do not collide.
 */
export function healthMetrics(registry: client.Registry = metricsRegistry): HealthMetrics {
  const registers = [registry];
  return {
    statusChanges: once(registry, 'grapevine_health_status_changes_total', () =>
      new client.Counter({ name: 'grapevine_health_status_changes_total', help: 'Health status changes written by this node, by new status and check type', labelNames: ['status', 'type'] as const, registers })),
    checks: once(registry, 'grapevine_health_checks_total', () =>
      new client.Counter({ name: 'grapevine_health_checks_total', help: 'Active health checks run by this node, by check type and result', labelNames: ['type', 'result'] as const, registers })),
    checkDuration: once(registry, 'grapevine_health_check_duration_seconds', () =>
      new client.Histogram({ name: 'grapevine_health_check_duration_seconds', help: 'Duration of active health checks', labelNames: ['type'] as const, buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10], registers })),
    checksRunning: once(registry, 'grapevine_health_checks_running', () =>
      new client.Gauge({ name: 'grapevine_health_checks_running', help: 'Active health checks in flight', registers })),
    checkedInstances: once(registry, 'grapevine_health_checked_instances', () =>
      new client.Gauge({ name: 'grapevine_health_checked_instances', help: 'Instances owned by this node that the health layer tracks', registers })),
  };
}

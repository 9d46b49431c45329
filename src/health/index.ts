/**
 * The health unit's public entry point: everything outside src/health imports from
 * here. The agent builds a HealthManager on its node (any HealthNode), calls start
 * and stop, and hands it to the adapters as their HealthApi.
 */
export type { ChangedListener, HealthApi, HealthNode } from './api.js';
export type { HealthLogger } from './logger.js';
export { DEFAULT_MAX_CONCURRENT_CHECKS, HealthManager, type HealthManagerOptions } from './manager.js';
export { healthMetrics, type HealthMetrics } from './metrics.js';
export type { CheckRunner } from './run-check.js';

/** Dispatch of one active check run (HTTP, HTTPS, TCP) to its checker. */
import type { CheckResult } from '../core/health/state.js';
import type { HealthCheckConfig } from '../core/types.js';
import { httpCheck } from './http-check.js';
import { checkTarget } from './target.js';
import { tcpCheck } from './tcp-check.js';

/** CheckRunner runs one active check of an instance; injectable so tests and benches can fake it. */
export type CheckRunner = (cfg: HealthCheckConfig, attributes: Record<string, string>) => Promise<CheckResult>;

/**
 * runActiveCheck runs one HTTP, HTTPS or TCP check against the instance's address.
 * It never rejects: anything that goes wrong is a failed check with its reason.
 */
export const runActiveCheck: CheckRunner = async (cfg, attributes) => {
  const target = checkTarget(attributes);
  if (typeof target === 'string') return { ok: false, output: target };
  try {
    switch (cfg.type) {
      case 'HTTP':
      case 'HTTPS':
        return await httpCheck(target, {
          scheme: cfg.type === 'HTTPS' ? 'https' : 'http',
          path: cfg.path ?? '/',
          timeoutMs: cfg.timeoutMs,
          insecureSkipVerify: cfg.insecureSkipVerify,
        });
      case 'TCP':
        return await tcpCheck(target, cfg.timeoutMs);
      default:
        return { ok: false, output: `${cfg.type} is not an active check` };
    }
  } catch (err) {
    return { ok: false, output: `check failed: ${(err as Error).message}` };
  }
};

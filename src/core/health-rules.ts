import type { EffectiveHealth, HealthReason, HealthValue, InstanceValue, MemberStatus, ServiceValue } from './types.js';

/** HealthReason says why an instance has the health it has; shown by lookups. */
export type { HealthReason };

/** EffectiveHealthResult is the health a lookup reports, with its reason. */
export interface EffectiveHealthResult {
  health: EffectiveHealth;
  reason: HealthReason;
}

/** initialCustomHealth reads Cloud Map's initial-status attributes for CUSTOM checks. */
export function initialCustomHealth(attributes: Record<string, string>): 'HEALTHY' | 'UNHEALTHY' {
  const v = attributes.initialHealth ?? attributes.AWS_INIT_HEALTH_STATUS;
  return v === 'UNHEALTHY' ? 'UNHEALTHY' : 'HEALTHY';
}

/**
 * effectiveHealth combines an instance's health record with its owner's liveness and
 * drain state. Order matters: a drain hides the instance first; a dead or departed
 * owner overrides whatever its last health record said (the owner can no longer run
 * checks); then the record; then the initial status of the check type.
 */
export function effectiveHealth(
  inst: InstanceValue,
  health: HealthValue | undefined,
  svc: ServiceValue | undefined,
  ownerStatus: MemberStatus,
): EffectiveHealthResult {
  if (inst.drainUntilMs !== undefined) return { health: 'DRAINING', reason: 'DRAINING' };
  if (ownerStatus === 'dead') return { health: 'UNHEALTHY', reason: 'NODE_FAILED' };
  if (ownerStatus === 'left') return { health: 'UNHEALTHY', reason: 'NODE_LEFT' };
  if (health) return { health: health.status, reason: health.reason };
  const type = inst.healthCheck?.type ?? svc?.healthCheck?.type;
  if (!type) return { health: 'HEALTHY', reason: 'NO_CHECK' };
  if (type === 'CUSTOM') return { health: initialCustomHealth(inst.attributes), reason: 'CUSTOM' };
  return { health: 'UNHEALTHY', reason: 'PENDING' };
}

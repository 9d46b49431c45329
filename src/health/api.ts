/**
 * The HealthApi calls (heartbeat, custom status, drain) as the HTTP API and CLI see
 * them. Any node accepts them, as Cloud Map accepts UpdateInstanceCustomHealthStatus
 * from anywhere: the owner applies a call to its in-memory state and writes only a
 * real status change; another node writes the health record itself (every
 * heartbeat, so the owner hears of it and restarts its TTL deadline), and the owner
 * adopts that record when it arrives. Later writes win by HLC, so the owner's next
 * real change supersedes a stale foreign one.
 */
import { requireCustomCheck, requireInstance, requireTtlCheck } from '../core/commands.js';
import { GrapevineError } from '../core/errors.js';
import { drainedInstance } from '../core/health/lifecycle.js';
import { truncateOutput } from '../core/health/output.js';
import { applySetStatus, HEALTH_REASON } from '../core/health/state.js';
import { healthKey, instanceKey } from '../core/keys.js';
import type { HealthStatus, HealthValue } from '../core/types.js';
import type { HealthManager } from './manager.js';

/** MAX_NOTE_CHARS bounds a heartbeat note (it becomes the record's output, itself capped at 4 KB). */
export const MAX_NOTE_CHARS = 4096;

function checkStatus(status: unknown, field: string): HealthStatus {
  if (status !== 'HEALTHY' && status !== 'UNHEALTHY') throw new GrapevineError('InvalidInput', `${field}: must be HEALTHY or UNHEALTHY`);
  return status;
}

function refuseWhenStopped(m: HealthManager): void {
  if (m.isStopped) throw new GrapevineError('Unavailable', 'the health layer is shutting down');
}

/** foreignWrite writes a health record on behalf of another owner, keeping changedAtMs if the status is unchanged. */
async function foreignWrite(m: HealthManager, ns: string, svc: string, id: string, status: HealthStatus, reason: string, output: string): Promise<void> {
  const stored = m.node.registry.health(ns, svc, id);
  const now = m.node.clock.nowMs();
  const value: HealthValue = {
    status,
    reason,
    output: truncateOutput(output),
    changedAtMs: stored && stored.status === status ? stored.changedAtMs : now,
    consecutiveSuccesses: status === 'HEALTHY' ? 1 : 0,
    consecutiveFailures: status === 'UNHEALTHY' ? 1 : 0,
  };
  await m.node.write([{ key: healthKey(ns, svc, id), value }]);
}

/**
 * heartbeat records a TTL heartbeat: InstanceNotFound (404) for an unknown instance,
 * InvalidInput unless its check is TTL. Status defaults to HEALTHY; the note is kept
 * as the check output.
 */
export async function heartbeat(m: HealthManager, ns: string, svc: string, id: string, opts: { status?: HealthStatus; note?: string }): Promise<void> {
  refuseWhenStopped(m);
  const status = opts.status === undefined ? 'HEALTHY' : checkStatus(opts.status, 'status');
  if (opts.note !== undefined && (typeof opts.note !== 'string' || opts.note.length > MAX_NOTE_CHARS)) {
    throw new GrapevineError('InvalidInput', `note: must be a string of at most ${MAX_NOTE_CHARS} characters`);
  }
  const note = opts.note ?? '';
  requireTtlCheck(m.node.registry, ns, svc, id);
  const t = m.tracked.get(instanceKey(ns, svc, id));
  if (t && t.cfg?.type === 'TTL') return m.heartbeatOwned(t, status, note);
  await foreignWrite(m, ns, svc, id, status, HEALTH_REASON.heartbeat, note);
}

/**
 * setCustomHealth applies a CUSTOM status at once (Cloud Map's
 * UpdateInstanceCustomHealthStatus, without its ~30 s delay): InstanceNotFound for an
 * unknown instance, CustomHealthNotFound unless the instance's check is CUSTOM.
 */
export async function setCustomHealth(m: HealthManager, ns: string, svc: string, id: string, rawStatus: HealthStatus): Promise<void> {
  refuseWhenStopped(m);
  const status = checkStatus(rawStatus, 'status');
  requireCustomCheck(m.node.registry, ns, svc, id);
  const t = m.tracked.get(instanceKey(ns, svc, id));
  if (t && t.cfg?.type === 'CUSTOM') {
    return m.commit(t, applySetStatus(t.state, status, HEALTH_REASON.custom, '', m.node.clock.nowMs()));
  }
  const view = m.node.registry.instance(ns, svc, id);
  if (view && view.health === status && view.reason === HEALTH_REASON.custom) return; // already what the caller asks
  await foreignWrite(m, ns, svc, id, status, HEALTH_REASON.custom, '');
}

/**
 * drain marks an instance DRAINING at once, everywhere (the instance record carries
 * drainUntilMs, so lookups hide it before any deregistration), and deregisters it
 * after drainMs. The deadline is in the replicated record, so the owner re-arms it
 * after a restart; the node that took the call arms it too, in case it is not the owner.
 */
export async function drain(m: HealthManager, ns: string, svc: string, id: string, drainMs: number): Promise<void> {
  refuseWhenStopped(m);
  if (typeof drainMs !== 'number' || !Number.isFinite(drainMs) || drainMs < 0) {
    throw new GrapevineError('InvalidInput', 'drainMs: must be a non-negative number of milliseconds');
  }
  const inst = requireInstance(m.node.registry, ns, svc, id);
  const next = drainedInstance(inst, drainMs, m.node.clock.nowMs());
  if (next.drainUntilMs !== inst.drainUntilMs) await m.node.write([{ key: instanceKey(ns, svc, id), value: next }]);
  m.deregistrar.armDrain(ns, svc, id);
}

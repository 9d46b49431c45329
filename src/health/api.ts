/**
 * The contract of the health layer, in both directions: HealthApi is what it offers
 * the HTTP API and the CLI; HealthNode is what it needs from the node runtime, taken
 * by injection (the runtime's GrapevineNode fits it as is), so that health never
 * imports the runtime (DESIGN.md, "Layers point down").
 */
import type { Clock } from '../core/clock.js';
import type { Write } from '../core/commands.js';
import type { Rec } from '../core/records.js';
import type { Registry } from '../core/registry.js';
import type { HealthStatus } from '../core/types.js';

/** HealthApi is what the HTTP API needs from the health-check layer. Methods throw GrapevineError. */
export interface HealthApi {
  /** heartbeat records a TTL heartbeat, optionally with a status and a note. */
  heartbeat(ns: string, svc: string, id: string, opts: { status?: HealthStatus; note?: string }): Promise<void>;
  /** setCustomHealth applies a CUSTOM status at once and replicates it. */
  setCustomHealth(ns: string, svc: string, id: string, status: HealthStatus): Promise<void>;
  /** drain marks an instance DRAINING now and deregisters it after drainMs, surviving restarts. */
  drain(ns: string, svc: string, id: string, drainMs: number): Promise<void>;
}

/** ChangedListener hears every batch of records that changed the registry (local writes and merges alike). */
export type ChangedListener = (recs: Rec[]) => void;

/**
 * HealthNode is what the health layer needs from the node: its name (instances it
 * owns carry it), its clock, the registry to read, a durable write, and the
 * registry's change feed.
 */
export interface HealthNode {
  readonly name: string;
  readonly clock: Clock;
  readonly registry: Registry;
  /** write versions, persists and applies local writes; it resolves once they are durable. */
  write(writes: Write[]): Promise<unknown>;
  /** on('changed') subscribes to registry changes. */
  on(event: 'changed', listener: ChangedListener): unknown;
  /** off('changed') unsubscribes a listener given to on. */
  off(event: 'changed', listener: ChangedListener): unknown;
}

import type { MemberInfo } from '../core/membership/member-list.js';
import type { HealthStatus } from '../core/types.js';
import type { GrapevineNode } from './node.js';

/** MemberInfo is one row of GET /v1/members; it is defined once, in core membership. */
export type { MemberInfo };

/** MembershipApi is what the HTTP API and CLI need from the gossip layer. */
export interface MembershipApi {
  /** members lists every known member, this node included. */
  members(): MemberInfo[];
  /** leave announces a graceful leave to the cluster and stops gossiping. */
  leave(): Promise<void>;
}

/** HealthApi is what the HTTP API needs from the health-check layer. Methods throw GrapevineError. */
export interface HealthApi {
  /** heartbeat records a TTL heartbeat, optionally with a status and a note. */
  heartbeat(ns: string, svc: string, id: string, opts: { status?: HealthStatus; note?: string }): Promise<void>;
  /** setCustomHealth applies a CUSTOM status at once and replicates it. */
  setCustomHealth(ns: string, svc: string, id: string, status: HealthStatus): Promise<void>;
  /** drain marks an instance DRAINING now and deregisters it after drainMs, surviving restarts. */
  drain(ns: string, svc: string, id: string, drainMs: number): Promise<void>;
}

/** AgentContext is everything the adapters (HTTP, DNS, CLI-facing) get from a running daemon. */
export interface AgentContext {
  node: GrapevineNode;
  membership: MembershipApi;
  /** health is absent until the health layer is wired in; routes then answer 501. */
  health?: HealthApi;
  /** stateDigest hashes the whole registry state; equal digests mean equal state. */
  stateDigest(): string;
  version: string;
}

import type { MemberInfo } from '../core/membership/member-list.js';
import type { HealthApi } from '../health/index.js';
import type { ClockSkewApi } from './clock-skew.js';
import type { GrapevineNode } from './node.js';

/** MemberInfo is one row of GET /v1/members; it is defined once, in core membership. */
export type { MemberInfo };

/** MembershipApi is what the HTTP API and CLI need from the gossip layer. */
export interface MembershipApi {
  /** members lists every known member, this node included. */
  members(): MemberInfo[];
  /** leave announces a graceful leave to the cluster and stops gossiping. */
  leave(): Promise<void>;
  /** forceLeave marks a failed member `left`; NotFound for an unknown member, InvalidInput for a live one. Optional for embedders without gossip. */
  forceLeave?(name: string): MemberInfo;
}

// HealthApi is the health unit's own contract; re-exported for the adapters that import it from here.
export type { HealthApi };

/** AgentContext is everything the adapters (HTTP, DNS, CLI-facing) get from a running daemon. */
export interface AgentContext {
  node: GrapevineNode;
  membership: MembershipApi;
  /** health is absent until the health layer is wired in; routes then answer 501. */
  health?: HealthApi;
  /** clockSkew is this node's clock against the cluster's (absent until gossip runs). */
  clockSkew?: ClockSkewApi;
  /** stateDigest hashes the whole registry state; equal digests mean equal state. */
  stateDigest(): string;
  version: string;
}

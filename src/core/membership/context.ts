import type { GossipConfig } from '../gossip/config.js';
import type { MembershipMsg } from '../gossip/messages.js';
import type { Random } from '../gossip/types.js';
import type { Awareness } from './awareness.js';
import type { MemberList } from './member-list.js';
import type { MemberTuple } from './messages.js';

/**
 * MembershipContext is what the prober and the state sync use of the Membership that
 * owns them. It is an interface of its own so that they depend on it, not on the
 * Membership class (which builds them): no import cycle.
 */
export interface MembershipContext {
  readonly self: { name: string; addr: string };
  readonly config: GossipConfig;
  readonly random: Random;
  readonly list: MemberList;
  readonly awareness: Awareness;
  /** inc is this node's own incarnation. */
  readonly inc: number;
  /** clusterSize estimates N: live members plus this node. */
  readonly clusterSize: number;
  addrOf(name: string): string;
  send(to: string, addr: string, msg: MembershipMsg): void;
  selfTuple(): MemberTuple;
  applyTuple(t: MemberTuple, from: string, now: number, fromSync: boolean): void;
  suspectNode(name: string, inc: number, from: string, now: number): void;
}

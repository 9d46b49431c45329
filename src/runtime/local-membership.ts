import type { MemberInfo, MembershipApi } from './context.js';

/**
 * LocalMembership is the MembershipApi of a daemon running alone: the member list is
 * just this node, alive. The gossip layer replaces it with the SWIM membership.
 */
export class LocalMembership implements MembershipApi {
  private status: MemberInfo['status'] = 'alive';

  constructor(
    private readonly name: string,
    private readonly gossipAddr: string,
  ) {}

  members(): MemberInfo[] {
    return [{ name: this.name, gossipAddr: this.gossipAddr, status: this.status, incarnation: 0 }];
  }

  async leave(): Promise<void> {
    this.status = 'left';
  }
}

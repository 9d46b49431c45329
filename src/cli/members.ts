import type { Command } from 'commander';
import { action, client, print, table } from './output.js';

/** registerMemberCommands adds `grapevine members` and `grapevine leave`. */
export function registerMemberCommands(program: Command): void {
  program
    .command('members')
    .description('list the cluster members this daemon knows')
    .action(
      action(async (_o: unknown, cmd: Command) => {
        const r = await client(cmd).call('GET', '/v1/members');
        // CLOCK: the member's clock against the cluster's, as measured by this daemon; SKEWED past maxClockSkewMs.
        const clock = (m: any) => (m.clockSkewMs === undefined ? '-' : `${m.clockSkewMs >= 0 ? '+' : ''}${Math.round(m.clockSkewMs / 1000)}s${m.clockSkewed ? ' SKEWED' : ''}`);
        print(cmd, r, () => table(['NAME', 'GOSSIP ADDRESS', 'STATUS', 'INCARNATION', 'CLOCK'], r.members.map((m: any) => [m.name, m.gossipAddr, m.status, m.incarnation, clock(m)])));
      }),
    );
  program
    .command('leave')
    .description('make the daemon leave the cluster gracefully and shut down')
    .action(
      action(async (_o: unknown, cmd: Command) => {
        const r = await client(cmd).call('POST', '/v1/agent/leave');
        print(cmd, r, () => `${r.node} left the cluster`);
      }),
    );
}

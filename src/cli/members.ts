import type { Command } from 'commander';
import { action, client, print, table } from './output.js';

/** registerMemberCommands adds `grapevine members` and `grapevine leave`. */
export function registerMemberCommands(program: Command): void {
  program
    .command('members')
    .description('list the cluster members this daemon knows')
    .action(
      action(async (_o: unknown, cmd: Command) => {
        const c = client(cmd);
        const r = await c.call('GET', '/v1/members');
        // The local node is marked: the daemon this command talks to.
        const self = (await c.call('GET', '/v1/status').catch(() => ({}))).node as string | undefined;
        r.members = r.members.map((m: any) => (m.name === self ? { ...m, local: true } : m));
        // CLOCK: the member's clock against the cluster's, as measured by this daemon; SKEWED past maxClockSkewMs.
        const clock = (m: any) => (m.clockSkewMs === undefined ? '-' : `${m.clockSkewMs >= 0 ? '+' : ''}${Math.round(m.clockSkewMs / 1000)}s${m.clockSkewed ? ' SKEWED' : ''}`);
        print(cmd, r, () => table(['NAME', 'GOSSIP ADDRESS', 'STATUS', 'INCARNATION', 'CLOCK', 'LOCAL'], r.members.map((m: any) => [m.name, m.gossipAddr, m.status, m.incarnation, clock(m), m.local ? '*' : ''])));
      }),
    );
  program
    .command('force-leave <node>')
    .description('mark a failed (suspect or dead) member left, so the cluster stops waiting for it')
    .action(
      action(async (node: string, _o: unknown, cmd: Command) => {
        const r = await client(cmd).call('POST', `/v1/agent/force-leave/${encodeURIComponent(node)}`);
        print(cmd, r, () => `${r.member.name} is ${r.member.status}`);
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

import type { Command } from 'commander';
import { seg } from './client.js';
import { action, client, print, table } from './output.js';

/** registerNamespaceCommands adds `grapevine namespace create|list|delete`. */
export function registerNamespaceCommands(program: Command): void {
  const ns = program.command('namespace').description('manage namespaces');
  ns.command('create <name>')
    .description('create (or update) a namespace')
    .option('--type <type>', 'DNS (API and DNS) or HTTP (API only)', 'DNS')
    .option('--description <text>', 'description')
    .option('--soa-ttl <seconds>', 'SOA and negative-caching TTL (DNS namespaces)', (v) => Number(v))
    .action(
      action(async (name: string, o: { type: string; description?: string; soaTtl?: number }, cmd: Command) => {
        const body: Record<string, unknown> = { type: o.type.toUpperCase() };
        if (o.description !== undefined) body.description = o.description;
        if (o.soaTtl !== undefined) body.soaTtl = o.soaTtl;
        const r = await client(cmd).call('PUT', `/v1/namespaces/${seg(name)}`, body);
        print(cmd, r, () => `namespace ${r.name} (${r.type})`);
      }),
    );
  ns.command('list')
    .description('list namespaces')
    .action(
      action(async (_o: unknown, cmd: Command) => {
        const r = await client(cmd).call('GET', '/v1/namespaces');
        print(cmd, r, () =>
          table(['NAME', 'TYPE', 'SOA TTL', 'DESCRIPTION'], r.namespaces.map((n: any) => [n.name, n.type, n.type === 'DNS' ? n.soaTtl : '', n.description])),
        );
      }),
    );
  ns.command('delete <name>')
    .description('delete an empty namespace')
    .action(
      action(async (name: string, _o: unknown, cmd: Command) => {
        const r = await client(cmd).call('DELETE', `/v1/namespaces/${seg(name)}`);
        print(cmd, r, () => `deleted namespace ${r.deleted}`);
      }),
    );
}

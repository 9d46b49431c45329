import type { Command } from 'commander';
import { invalid } from '../core/errors.js';
import { parseDuration } from '../http/params.js';
import { CliError, seg } from './client.js';
import { checkOverrides, withFlagNames, type CheckFlags } from './flags.js';
import { action, client, print, table } from './output.js';

interface ServiceOpts extends CheckFlags {
  description?: string;
  records?: string;
  ttl?: string;
  routing?: string;
  check?: string;
  deregisterAfter?: string;
}

/** serviceBody builds a service PUT body from flags; the daemon validates the rest. */
export function serviceBody(o: ServiceOpts): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (o.description !== undefined) body.description = o.description;
  if (o.records !== undefined || o.routing !== undefined || o.ttl !== undefined) {
    const ttl = o.ttl === undefined ? undefined : Number(o.ttl);
    const types = (o.records ?? 'A,SRV').split(',').map((t) => t.trim().toUpperCase());
    body.dns = { routingPolicy: (o.routing ?? 'MULTIVALUE').toUpperCase(), records: types.map((type) => (ttl === undefined ? { type } : { type, ttl })) };
  }
  if (o.check !== undefined) {
    body.healthCheck = { type: o.check.toUpperCase(), ...checkOverrides(o) };
  } else if (o.checkPath || o.checkInterval || o.checkTimeout || o.checkTtl || o.failureThreshold || o.successThreshold) {
    throw invalid('--check', 'is required with the other --check-* options');
  }
  if (o.deregisterAfter !== undefined) body.deregisterAfterUnhealthyMs = parseDuration(o.deregisterAfter, '--deregister-after');
  return body;
}

/** updatedServiceBody is the current service with only the fields the flags give changed (check fields one by one). */
export function updatedServiceBody(cur: Record<string, any>, o: ServiceOpts): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const k of ['description', 'dns', 'healthCheck', 'deregisterAfterUnhealthyMs']) if (cur[k] !== undefined) body[k] = cur[k];
  if (o.description !== undefined) body.description = o.description;
  if (o.records !== undefined || o.routing !== undefined || o.ttl !== undefined) {
    const dns = (cur.dns ?? { routingPolicy: 'MULTIVALUE', records: [{ type: 'A', ttl: 10 }, { type: 'SRV', ttl: 10 }] }) as { routingPolicy: string; records: { type: string; ttl?: number }[] };
    const ttl = o.ttl === undefined ? undefined : Number(o.ttl);
    const types = o.records === undefined ? dns.records.map((x) => x.type) : o.records.split(',').map((t) => t.trim().toUpperCase());
    body.dns = { routingPolicy: (o.routing ?? dns.routingPolicy).toUpperCase(), records: types.map((type) => ({ type, ttl: ttl ?? dns.records.find((x) => x.type === type)?.ttl ?? 10 })) };
  }
  const overrides = checkOverrides(o);
  if (o.check !== undefined || overrides) {
    const base = o.check !== undefined && o.check.toUpperCase() !== cur.healthCheck?.type ? {} : (cur.healthCheck ?? {});
    const type = (o.check ?? cur.healthCheck?.type)?.toUpperCase();
    if (!type) throw invalid('--check', 'is required: the service has no health check to change');
    body.healthCheck = { ...base, ...overrides, type };
  }
  if (o.deregisterAfter !== undefined) body.deregisterAfterUnhealthyMs = parseDuration(o.deregisterAfter, '--deregister-after');
  return body;
}

/** serviceFlags adds the flags `service create` and `service update` share. */
function serviceFlags(c: Command): Command {
  return c
    .option('--description <text>', 'description')
    .option('--records <types>', 'DNS record types, comma-separated: A, AAAA, SRV, CNAME (default A,SRV)')
    .option('--ttl <seconds>', 'TTL of the DNS records (default 10)')
    .option('--routing <policy>', 'MULTIVALUE or WEIGHTED')
    .option('--check <type>', 'health check: HTTP, HTTPS, TCP, TTL or CUSTOM')
    .option('--check-path <path>', 'HTTP(S) check path (default /)')
    .option('--check-interval <duration>', 'check interval, e.g. 10s')
    .option('--check-timeout <duration>', 'check timeout, e.g. 2s')
    .option('--check-ttl <duration>', 'TTL check deadline, e.g. 15s')
    .option('--failure-threshold <n>', 'failures before UNHEALTHY (default 3)')
    .option('--success-threshold <n>', 'passes before HEALTHY again (default 1)')
    .option('--insecure', 'HTTPS checks accept self-signed certificates')
    .option('--deregister-after <duration>', 'deregister instances UNHEALTHY this long, e.g. 10m');
}

/** registerServiceCommands adds `grapevine service create|update|list|delete`. */
export function registerServiceCommands(program: Command): void {
  const svc = program.command('service').description('manage services');
  serviceFlags(svc.command('create <namespace> <name>').description('create a service (an existing one is changed with `service update`)'))
    .action(
      action(async (ns: string, name: string, o: ServiceOpts, cmd: Command) => {
        const c = client(cmd);
        const path = `/v1/namespaces/${seg(ns)}/services/${seg(name)}`;
        const existing = await c.call('GET', path).catch((e: unknown) => {
          if (e instanceof CliError && (e.code === 'ServiceNotFound' || e.code === 'NamespaceNotFound')) return undefined;
          throw e;
        });
        if (existing) throw new CliError('ServiceAlreadyExists', `service ${ns}/${name} exists; change it with \`grapevine service update ${ns} ${name} ...\``);
        const r = await withFlagNames(() => c.call('PUT', path, serviceBody(o)));
        print(cmd, r, () => `service ${r.namespace}/${r.name} created`);
      }),
    );
  serviceFlags(svc.command('update <namespace> <name>').description('change the given fields of an existing service; the others stay as they are'))
    .action(
      action(async (ns: string, name: string, o: ServiceOpts, cmd: Command) => {
        const c = client(cmd);
        const path = `/v1/namespaces/${seg(ns)}/services/${seg(name)}`;
        const cur = await c.call('GET', path);
        const r = await withFlagNames(() => c.call('PUT', path, updatedServiceBody(cur, o)));
        print(cmd, r, () => `service ${r.namespace}/${r.name} updated`);
      }),
    );
  svc
    .command('list <namespace>')
    .description('list the services of a namespace')
    .action(
      action(async (ns: string, _o: unknown, cmd: Command) => {
        const r = await client(cmd).call('GET', `/v1/namespaces/${seg(ns)}/services`);
        print(cmd, r, () =>
          table(
            ['NAME', 'INSTANCES', 'DNS', 'CHECK', 'DESCRIPTION'],
            r.services.map((s: any) => [
              s.name,
              s.instanceCount,
              s.dns ? `${s.dns.routingPolicy} ${s.dns.records.map((x: any) => `${x.type}/${x.ttl}s`).join(',')}` : '-',
              s.healthCheck ? s.healthCheck.type : '-',
              s.description,
            ]),
          ),
        );
      }),
    );
  svc
    .command('delete <namespace> <name>')
    .description('delete a service without instances')
    .action(
      action(async (ns: string, name: string, _o: unknown, cmd: Command) => {
        const r = await client(cmd).call('DELETE', `/v1/namespaces/${seg(ns)}/services/${seg(name)}`);
        print(cmd, r, () => `deleted service ${r.deleted}`);
      }),
    );
}

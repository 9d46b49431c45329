import type { Command } from 'commander';
import { invalid } from '../core/errors.js';
import { parseDuration } from '../http/params.js';
import { seg } from './client.js';
import { action, client, print, table } from './output.js';

interface ServiceOpts {
  description?: string;
  records?: string;
  ttl?: string;
  routing?: string;
  check?: string;
  checkPath?: string;
  checkInterval?: string;
  checkTimeout?: string;
  checkTtl?: string;
  failureThreshold?: string;
  successThreshold?: string;
  insecure?: boolean;
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
    const hc: Record<string, unknown> = { type: o.check.toUpperCase() };
    if (o.checkPath !== undefined) hc.path = o.checkPath;
    if (o.checkInterval !== undefined) hc.intervalMs = parseDuration(o.checkInterval, '--check-interval');
    if (o.checkTimeout !== undefined) hc.timeoutMs = parseDuration(o.checkTimeout, '--check-timeout');
    if (o.checkTtl !== undefined) hc.ttlMs = parseDuration(o.checkTtl, '--check-ttl');
    if (o.failureThreshold !== undefined) hc.failureThreshold = Number(o.failureThreshold);
    if (o.successThreshold !== undefined) hc.successThreshold = Number(o.successThreshold);
    if (o.insecure) hc.insecureSkipVerify = true;
    body.healthCheck = hc;
  } else if (o.checkPath || o.checkInterval || o.checkTimeout || o.checkTtl || o.failureThreshold || o.successThreshold) {
    throw invalid('--check', 'is required with the other --check-* options');
  }
  if (o.deregisterAfter !== undefined) body.deregisterAfterUnhealthyMs = parseDuration(o.deregisterAfter, '--deregister-after');
  return body;
}

/** registerServiceCommands adds `grapevine service create|list|delete`. */
export function registerServiceCommands(program: Command): void {
  const svc = program.command('service').description('manage services');
  svc
    .command('create <namespace> <name>')
    .description('create (or update) a service')
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
    .option('--deregister-after <duration>', 'deregister instances UNHEALTHY this long, e.g. 10m')
    .action(
      action(async (ns: string, name: string, o: ServiceOpts, cmd: Command) => {
        const r = await client(cmd).call('PUT', `/v1/namespaces/${seg(ns)}/services/${seg(name)}`, serviceBody(o));
        print(cmd, r, () => `service ${r.namespace}/${r.name}`);
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

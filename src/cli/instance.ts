import type { Command } from 'commander';
import { invalid } from '../core/errors.js';
import { parseDuration } from '../http/params.js';
import { seg } from './client.js';
import { watchDiscover } from './watch.js';
import { checkOverrides, healthText, withFlagNames, type CheckFlags } from './flags.js';
import { action, attrsText, client, collect, globals, keyValues, print, table } from './output.js';

function instPath(ns: string, svc: string, id: string): string {
  return `/v1/namespaces/${seg(ns)}/services/${seg(svc)}/instances/${seg(id)}`;
}

function discoverTable(r: any): string {
  const rows = r.instances.map((i: any) => [i.id, healthText(i), i.healthReason, i.node, attrsText(i.attributes)]);
  return `${table(['ID', 'HEALTH', 'REASON', 'NODE', 'ATTRIBUTES'], rows)}\n(${r.instances.length} instance(s), revision ${r.revision}${r.truncated ? ', truncated' : ''})`;
}

/** registerInstanceCommands adds register, deregister, discover, health set and heartbeat. */
export function registerInstanceCommands(program: Command): void {
  program
    .command('register <namespace> <service> <id>')
    .description('register (or re-register) an instance; this daemon becomes its owner')
    .option('--ipv4 <address>', 'IPv4 address')
    .option('--ipv6 <address>', 'IPv6 address')
    .option('--port <port>', 'port')
    .option('--attr <key=value>', 'custom attribute (repeatable)', collect)
    .option('--check-path <path>', "override the service's HTTP(S) check path")
    .option('--check-interval <duration>', 'override the check interval, e.g. 10s')
    .option('--check-timeout <duration>', 'override the check timeout, e.g. 2s')
    .option('--check-ttl <duration>', 'override the TTL check deadline, e.g. 15s')
    .option('--failure-threshold <n>', 'override the failures before UNHEALTHY')
    .option('--success-threshold <n>', 'override the passes before HEALTHY again')
    .option('--insecure', 'HTTPS checks accept self-signed certificates')
    .action(
      action(async (ns: string, svc: string, id: string, o: { ipv4?: string; ipv6?: string; port?: string; attr?: string[] } & CheckFlags, cmd: Command) => {
        const attributes = keyValues(o.attr, '--attr');
        if (o.ipv4 !== undefined) attributes.ipv4 = o.ipv4;
        if (o.ipv6 !== undefined) attributes.ipv6 = o.ipv6;
        if (o.port !== undefined) attributes.port = o.port;
        const healthCheck = checkOverrides(o);
        const r = await withFlagNames(() => client(cmd).call('PUT', instPath(ns, svc, id), { attributes, ...(healthCheck ? { healthCheck } : {}) }));
        print(cmd, r, () => `registered ${r.namespace}/${r.service}/${r.id} (${healthText(r)}, owner ${r.node})`);
      }),
    );
  const instance = program.command('instance').description('read instances');
  instance
    .command('get <namespace> <service> <id>')
    .description('show one instance: attributes, health and owner')
    .action(
      action(async (ns: string, svc: string, id: string, _o: unknown, cmd: Command) => {
        const r = await client(cmd).call('GET', instPath(ns, svc, id));
        print(cmd, r, () => table(['ID', 'HEALTH', 'REASON', 'NODE', 'ATTRIBUTES'], [[r.id, healthText(r), r.healthReason, r.node, attrsText(r.attributes ?? {})]]));
      }),
    );
  instance
    .command('list <namespace> <service>')
    .description('list the instances of a service (every health)')
    .option('--max <n>', 'at most this many per page (the daemon pages with a next token)')
    .action(
      action(async (ns: string, svc: string, o: { max?: string }, cmd: Command) => {
        const c = client(cmd);
        const all: any[] = [];
        let next: string | undefined;
        let revision = 0;
        for (let page = 0; page < 10_000; page++) {
          const q = new URLSearchParams();
          if (o.max) q.set('max', o.max);
          if (next) q.set('next', next);
          const r = await withFlagNames(() => c.call('GET', `/v1/namespaces/${seg(ns)}/services/${seg(svc)}/instances${q.size ? `?${q}` : ''}`));
          all.push(...r.instances);
          revision = r.revision;
          next = r.next;
          if (!next) break;
        }
        const out = { instances: all, revision };
        print(cmd, out, () => `${table(['ID', 'HEALTH', 'REASON', 'NODE', 'ATTRIBUTES'], all.map((i) => [i.id, healthText(i), i.healthReason, i.node, attrsText(i.attributes ?? {})]))}\n(${all.length} instance(s), revision ${revision})`);
      }),
    );
  program
    .command('deregister <namespace> <service> <id>')
    .description('deregister an instance, at once or after a drain')
    .option('--drain <duration>', 'mark DRAINING now and deregister after this long, e.g. 30s')
    .action(
      action(async (ns: string, svc: string, id: string, o: { drain?: string }, cmd: Command) => {
        const q = o.drain === undefined ? '' : `?drainMs=${parseDuration(o.drain, '--drain')}`;
        const r = await client(cmd).call('DELETE', instPath(ns, svc, id) + q);
        print(cmd, r, () => (o.drain ? `draining ${ns}/${svc}/${id} for ${o.drain}` : `deregistered ${r.deleted}`));
      }),
    );
  program
    .command('discover <namespace> <service>')
    .description('discover instances (Cloud Map DiscoverInstances)')
    .option('--attr <key=value>', 'required attribute (repeatable)', collect)
    .option('--optional <key=value>', 'preferred attribute (repeatable)', collect)
    .option('--health <mode>', 'HEALTHY, UNHEALTHY, ALL or HEALTHY_OR_ELSE_ALL')
    .option('--max <n>', 'at most this many instances (default 100, up to 1000)')
    .option('--watch', 'keep printing the answer each time it changes (Ctrl-C to stop)')
    .action(
      action(async (ns: string, svc: string, o: { attr?: string[]; optional?: string[]; health?: string; max?: string; watch?: boolean }, cmd: Command) => {
        const q = new URLSearchParams();
        for (const [k, v] of Object.entries(keyValues(o.attr, '--attr'))) q.append(`attr.${k}`, v);
        for (const [k, v] of Object.entries(keyValues(o.optional, '--optional'))) q.append(`optional.${k}`, v);
        if (o.health) q.set('health', o.health.toUpperCase());
        if (o.max) q.set('max', o.max);
        const c = client(cmd);
        const path = `/v1/discover/${seg(ns)}/${seg(svc)}`;
        if (!o.watch) {
          const r = await c.call('GET', `${path}?${q}`);
          return print(cmd, r, () => discoverTable(r));
        }
        let first = true;
        const show = (r: any) => {
          if (globals(cmd).json) process.stdout.write(`${JSON.stringify(r)}\n`);
          else process.stdout.write(`${first ? '' : '\n'}${discoverTable(r)}\n`);
          first = false;
        };
        await watchDiscover({ client: c, path, query: q, show, warn: (line) => process.stderr.write(`grapevine discover --watch: ${line}\n`) });
      }),
    );
  const health = program.command('health').description('instance health');
  health
    .command('set <namespace> <service> <id> <status>')
    .description('set the CUSTOM health status of an instance: HEALTHY or UNHEALTHY')
    .action(
      action(async (ns: string, svc: string, id: string, status: string, _o: unknown, cmd: Command) => {
        const s = status.toUpperCase();
        if (s !== 'HEALTHY' && s !== 'UNHEALTHY') throw invalid('status', 'must be HEALTHY or UNHEALTHY');
        const r = await client(cmd).call('PUT', `${instPath(ns, svc, id)}/health`, { status: s });
        print(cmd, r, () => `${ns}/${svc}/${id} is ${r.health ?? s}`);
      }),
    );
  program
    .command('heartbeat <namespace> <service> <id>')
    .description('send a TTL-check heartbeat for an instance')
    .option('--status <status>', 'HEALTHY or UNHEALTHY')
    .option('--note <text>', 'note kept as the check output')
    .action(
      action(async (ns: string, svc: string, id: string, o: { status?: string; note?: string }, cmd: Command) => {
        const body: Record<string, string> = {};
        if (o.status) body.status = o.status.toUpperCase();
        if (o.note !== undefined) body.note = o.note;
        const r = await client(cmd).call('PUT', `${instPath(ns, svc, id)}/heartbeat`, body);
        print(cmd, r, () => `heartbeat sent for ${ns}/${svc}/${id}${r.health ? ` (${r.health})` : ''}`);
      }),
    );
}

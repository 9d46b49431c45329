import type { Command } from 'commander';
import { invalid } from '../core/errors.js';
import { ApiClient, CliError, defaultHttpAddr, defaultToken } from './client.js';

/** GlobalOptions are the options every API command takes. */
export interface GlobalOptions {
  httpAddr: string;
  json?: boolean;
  /** token is the ACL secret (--token, env GRAPEVINE_TOKEN). */
  token?: string;
}

/** addApiOptions adds --http-addr and --json to every leaf command except the named ones. */
export function addApiOptions(root: Command, except: string[]): void {
  for (const c of root.commands) {
    if (except.includes(c.name())) continue;
    if (c.commands.length > 0) addApiOptions(c, except);
    else c.option('--http-addr <host:port>', 'HTTP API of the daemon (env GRAPEVINE_HTTP_ADDR)', defaultHttpAddr()).option('--json', 'print JSON instead of tables').option('--token <secret>', 'ACL token secret (env GRAPEVINE_TOKEN)');
  }
}

/** globals reads the API options of a command. */
export function globals(cmd: Command): GlobalOptions {
  const o = cmd.opts() as Partial<GlobalOptions>;
  const token = o.token ?? defaultToken();
  return { httpAddr: o.httpAddr ?? defaultHttpAddr(), json: o.json ?? false, ...(token !== undefined ? { token } : {}) };
}

/** client builds an ApiClient from a command's global options. */
export function client(cmd: Command): ApiClient {
  const g = globals(cmd);
  return new ApiClient(g.httpAddr, g.token);
}

/** table formats rows as aligned columns under a header. */
export function table(headers: string[], rows: (string | number | undefined)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === undefined ? '' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** print writes JSON with --json, otherwise the human-readable text. */
export function print(cmd: Command, data: unknown, human: () => string): void {
  process.stdout.write(globals(cmd).json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);
}

/** collect accumulates a repeatable option. */
export function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/** keyValues turns repeated "k=v" options into an object; the error names the option. */
export function keyValues(list: string[] | undefined, option: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw invalid(option, `"${kv}" is not key=value`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

/** attrsText shows attributes as "k=v k=v". */
export function attrsText(a: Record<string, string>): string {
  return Object.entries(a)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** fail prints an error as "error: CODE: message" and exits 1. */
export function fail(e: unknown): never {
  if (e instanceof CliError) process.stderr.write(`error: ${e.code}: ${e.message}\n`);
  else if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string' && e instanceof Error) {
    process.stderr.write(`error: ${(e as { code: string }).code}: ${e.message}\n`);
  } else process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}

/** action wraps a command action so that every failure goes through fail(). */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      fail(e);
    }
  };
}

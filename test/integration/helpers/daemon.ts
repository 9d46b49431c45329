/**
 * Helpers for integration tests that run real daemons as child processes
 * (`node dist/src/cli/main.js agent ...`): free ports, temp data dirs, start, stop,
 * kill -9 and restart, and a small JSON client. Every process started here is
 * killed when the test process exits, even if a test forgets.
 *
 *   const d = await startDaemon({ name: 'n1' });        // waits until /v1/status answers
 *   const r = await api(d, 'PUT', '/v1/namespaces/a.internal', { type: 'DNS' });
 *   await d.kill9(); const d2 = await d.restart();     // same ports, same data dir
 *   await d2.stop(); d2.cleanup();                      // SIGTERM, then remove the temp dir
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** MAIN_JS is the compiled CLI entry point. */
export const MAIN_JS = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

/** DaemonOptions configure startDaemon; only `name` is required. */
export interface DaemonOptions {
  name: string;
  /** dataDir defaults to a fresh temp dir that cleanup() removes. */
  dataDir?: string;
  /** join lists gossip addresses ("127.0.0.1:port") to join. */
  join?: string[];
  /** preset is the gossip preset (default "test"). */
  preset?: string;
  /** configFile is passed as --config; its node entry's addresses are used unless `ports` says otherwise. */
  configFile?: string;
  /** ports fixes ports instead of picking free ones. */
  ports?: { http?: number; gossip?: number; dns?: number };
  /** extraArgs are appended to the agent command line. */
  extraArgs?: string[];
  logLevel?: string;
  env?: Record<string, string>;
  /** readyTimeoutMs bounds the wait for /v1/status (default 20 s). */
  readyTimeoutMs?: number;
}

/** Daemon is a running daemon process. */
export interface Daemon {
  name: string;
  /** httpUrl is "http://127.0.0.1:port". */
  httpUrl: string;
  httpAddr: string;
  gossipAddr: string;
  dnsAddr: string;
  dnsPort: number;
  dataDir: string;
  pid: number;
  proc: ChildProcess;
  /** output returns everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** stop sends SIGTERM and resolves with the exit code (SIGKILL after timeoutMs, default 10 s). */
  stop(timeoutMs?: number): Promise<number | null>;
  /** kill9 kills the process with SIGKILL and waits for it to be gone. */
  kill9(): Promise<void>;
  /** restart starts a new process with the same name, ports and data dir (after stop or kill9). */
  restart(extra?: Partial<DaemonOptions>): Promise<Daemon>;
  /** cleanup kills the process if still running and removes the data dir if the helper made it. */
  cleanup(): void;
}

/** tempDir makes a fresh directory under the OS temp dir. */
export function tempDir(prefix = 'grapevine-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function tcpFree(port = 0): Promise<number | null> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(null));
    s.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind({ address: '127.0.0.1', port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** freePort asks the OS for a TCP port that is free (and free on UDP too, for DNS). */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await tcpFree(0);
    if (p !== null && (await udpFree(p))) return p;
  }
  throw new Error('freePort: no free port found');
}

/** waitFor polls fn until it returns a truthy value, or throws after timeoutMs naming `what`. */
export async function waitFor<T>(fn: () => Promise<T> | T, what: string, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** ApiResult is a parsed API answer. */
export interface ApiResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** api sends a JSON request to a daemon (or a base URL) and parses the answer; a string body is sent raw. */
export async function api<T = any>(target: Daemon | string, method: string, path: string, body?: unknown, timeoutMs = 15_000): Promise<ApiResult<T>> {
  const base = typeof target === 'string' ? target : target.httpUrl;
  const init: RequestInit = { method, signal: AbortSignal.timeout(timeoutMs) };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* metrics and other text answers stay strings */
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

function addrsFromConfig(file: string, name: string): { http?: number; gossip?: number; dns?: number } {
  const cfg = JSON.parse(readFileSync(file, 'utf8')) as { nodes?: { name: string; httpAddr?: string; gossipAddr?: string; dnsAddr?: string }[] };
  const n = cfg.nodes?.find((x) => x.name === name);
  const port = (a?: string) => (a ? Number(a.slice(a.lastIndexOf(':') + 1)) : undefined);
  const out: { http?: number; gossip?: number; dns?: number } = {};
  const h = port(n?.httpAddr), g = port(n?.gossipAddr), d = port(n?.dnsAddr);
  if (h !== undefined) out.http = h;
  if (g !== undefined) out.gossip = g;
  if (d !== undefined) out.dns = d;
  return out;
}

function waitExit(p: ChildProcess): Promise<number | null> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve(p.exitCode);
  return new Promise((resolve) => p.once('exit', (code) => resolve(code)));
}

/**
 * startDaemon starts `grapevine agent` as a child process with free loopback ports and
 * a temp data dir (unless given), and resolves once GET /v1/status answers. If the
 * process exits first, it rejects with its output; a port taken in the meantime is
 * retried with new ports.
 */
export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? join(tempDir(), 'data');
  for (let attempt = 0; ; attempt++) {
    const fixed = { ...(opts.configFile ? addrsFromConfig(opts.configFile, opts.name) : {}), ...opts.ports };
    const http = fixed.http ?? (await freePort());
    const gossip = fixed.gossip ?? (await freePort());
    const dns = fixed.dns ?? (await freePort());
    const args = [MAIN_JS, 'agent', '--node', opts.name, '--data-dir', dataDir];
    args.push('--http-addr', `127.0.0.1:${http}`, '--gossip-addr', `127.0.0.1:${gossip}`, '--dns-addr', `127.0.0.1:${dns}`);
    if (opts.configFile) args.push('--config', opts.configFile);
    if (opts.preset ?? !opts.configFile) args.push('--preset', opts.preset ?? 'test');
    for (const j of opts.join ?? []) args.push('--join', j);
    args.push('--log-level', opts.logLevel ?? 'warn', ...(opts.extraArgs ?? []));
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GRAPEVINE_LOG_PRETTY: '0', ...opts.env } });
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    let out = '';
    const keep = (c: Buffer) => {
      out += c.toString();
      if (out.length > 1_000_000) out = out.slice(-500_000);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    const httpUrl = `http://127.0.0.1:${http}`;
    const exited = waitExit(proc).then((code) => ({ exited: code }));
    let gone = false;
    void exited.then(() => (gone = true));
    const ready = waitFor(
      async () => {
        if (gone) return true; // stop polling: the exit branch of the race wins
        return (await api(httpUrl, 'GET', '/v1/status', undefined, 2000)).status === 200;
      },
      `${opts.name} /v1/status`,
      opts.readyTimeoutMs ?? 20_000,
      50,
    ).then(() => ({ exited: undefined }));
    let r: { exited: number | null | undefined } | { error: Error } = await Promise.race([exited, ready]).catch((e: Error) => ({ error: e }));
    if (gone && !('error' in r)) r = { exited: proc.exitCode };
    if ('error' in r || r.exited !== undefined) {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      if (proc.exitCode === 4 && attempt < 3 && !opts.ports) continue; // port taken meanwhile: try new ones
      if (ownDir) rmSync(join(dataDir, '..'), { recursive: true, force: true });
      const why = 'error' in r ? r.error.message : `exited with code ${r.exited}`;
      const err = new Error(`daemon ${opts.name} failed to start (${why}):\n${out.slice(-4000)}`) as Error & { exitCode?: number | null; output?: string };
      err.exitCode = proc.exitCode;
      err.output = out;
      throw err;
    }
    const d: Daemon = {
      name: opts.name,
      httpUrl,
      httpAddr: `127.0.0.1:${http}`,
      gossipAddr: `127.0.0.1:${gossip}`,
      dnsAddr: `127.0.0.1:${dns}`,
      dnsPort: dns,
      dataDir,
      pid: proc.pid!,
      proc,
      output: () => out,
      async stop(timeoutMs = 10_000) {
        if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
        const code = await waitExit(proc);
        clearTimeout(t);
        return code;
      },
      async kill9() {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
        await waitExit(proc);
      },
      restart(extra = {}) {
        return startDaemon({ ...opts, dataDir, ports: { http, gossip, dns }, ...extra }).then((nd) => {
          if (ownDir) nd.cleanup = () => cleanupOwned(nd.proc, dataDir);
          return nd;
        });
      },
      cleanup: () => {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
        if (ownDir) rmSync(join(dataDir, '..'), { recursive: true, force: true });
      },
    };
    return d;
  }
}

function cleanupOwned(proc: ChildProcess, dataDir: string): void {
  if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  rmSync(join(dataDir, '..'), { recursive: true, force: true });
}

/** stopAll stops daemons gracefully in parallel and removes their temp dirs (for after() hooks). */
export async function stopAll(daemons: (Daemon | undefined)[]): Promise<void> {
  await Promise.all(daemons.map(async (d) => {
    if (!d) return;
    await d.stop().catch(() => undefined);
    d.cleanup();
  }));
}

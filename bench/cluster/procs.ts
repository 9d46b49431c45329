/**
 * Child processes and ports for the cluster benchmark: free loopback ports from the
 * OS, and processes that are always killed (by PID) when the benchmark ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** freePort asks the OS for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** freePorts returns n distinct free ports. */
export async function freePorts(n: number): Promise<number[]> {
  const out = new Set<number>();
  while (out.size < n) out.add(await freePort());
  return [...out];
}

const children = new Set<ChildProcess>();

/** startProcess spawns a child whose output goes to a log callback; it is killed on exit. */
export function startProcess(cmd: string, args: string[], onLine?: (line: string) => void): ChildProcess {
  const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(c);
  c.on('exit', () => children.delete(c));
  for (const s of [c.stdout, c.stderr]) {
    let rest = '';
    s?.on('data', (d: Buffer) => {
      const lines = (rest + d.toString()).split('\n');
      rest = lines.pop() ?? '';
      if (onLine) for (const l of lines) onLine(l);
    });
  }
  return c;
}

/** kill9 sends SIGKILL to one child by PID and waits for it to exit. */
export async function kill9(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const gone = new Promise<void>((r) => c.once('exit', () => r()));
  process.kill(c.pid!, 'SIGKILL');
  await gone;
}

/** stopAll kills every child still running, each by its PID. */
export async function stopAll(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  const waits: Promise<void>[] = [];
  for (const c of children) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    waits.push(new Promise<void>((r) => c.once('exit', () => r())));
    try {
      process.kill(c.pid!, signal);
    } catch {
      /* already gone */
    }
  }
  await Promise.all(waits);
}

/** sleep waits ms milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** waitFor polls cond until it holds or timeoutMs passes (then throws, naming what). */
export async function waitFor(cond: () => Promise<boolean> | boolean, what: string, timeoutMs: number, everyMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

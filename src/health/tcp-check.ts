/** TCP checks: a connection to the target opens within timeoutMs, then is closed. */
import net from 'node:net';
import type { CheckResult } from '../core/health/state.js';
import type { CheckTarget } from './target.js';

/** tcpCheck opens and closes one TCP connection; it always resolves, failing on error or timeout. */
export function tcpCheck(target: CheckTarget, timeoutMs: number): Promise<CheckResult> {
  const where = target.family === 6 ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
  return new Promise<CheckResult>((resolve) => {
    let done = false;
    const sock = net.connect({ host: target.host, port: target.port, family: target.family });
    const finish = (ok: boolean, output: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ ok, output });
    };
    const timer = setTimeout(() => finish(false, `TCP connect ${where}: timed out after ${timeoutMs} ms`), timeoutMs);
    sock.once('connect', () => finish(true, `TCP connect ${where}: Success`));
    sock.once('error', (err: NodeJS.ErrnoException) => finish(false, `TCP connect ${where}: ${err.code ?? ''} ${err.message}`.trim()));
  });
}

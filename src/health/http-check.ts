/**
 * HTTP and HTTPS checks: one GET per run, on a fresh connection (no keep-alive, so a
 * check also proves the target still accepts connections). 200-399 passes; redirects
 * are not followed; the whole run, connect to last byte read, is bounded by timeoutMs.
 */
import http from 'node:http';
import https from 'node:https';
import type { CheckResult } from '../core/health/state.js';
import { MAX_OUTPUT_BYTES, truncateOutput } from '../core/health/output.js';
import { targetUrl, type CheckTarget } from './target.js';

/** HttpCheckOptions configures one HTTP(S) check run. */
export interface HttpCheckOptions {
  scheme: 'http' | 'https';
  path: string;
  timeoutMs: number;
  /** HTTPS only: accept self-signed or otherwise unverifiable certificates. */
  insecureSkipVerify?: boolean;
}

/** MAX_BODY_READ_BYTES is how much of a response body a check reads before hanging up. */
export const MAX_BODY_READ_BYTES = MAX_OUTPUT_BYTES;

/** httpCheck runs one HTTP(S) GET; it always resolves, with a failed result on any error. */
export function httpCheck(target: CheckTarget, opts: HttpCheckOptions): Promise<CheckResult> {
  const url = targetUrl(opts.scheme, target, opts.path);
  return new Promise<CheckResult>((resolve) => {
    let done = false;
    const finish = (ok: boolean, output: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ ok, output: truncateOutput(output) });
    };
    const mod = opts.scheme === 'https' ? https : http;
    const req = mod.request({
      host: target.host,
      port: target.port,
      family: target.family,
      path: opts.path,
      method: 'GET',
      agent: false,
      headers: { 'user-agent': 'grapevine-health-check', accept: 'text/plain, text/*, */*', connection: 'close' },
      ...(opts.scheme === 'https' ? { rejectUnauthorized: !opts.insecureSkipVerify } : {}),
    });
    // One timer for the whole run: a target that accepts and then trickles bytes
    // must not hold a check slot past timeoutMs.
    const timer = setTimeout(() => finish(false, `GET ${url}: timed out after ${opts.timeoutMs} ms`), opts.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => finish(false, `GET ${url}: ${err.code ?? ''} ${err.message}`.trim()));
    req.on('response', (res) => {
      const code = res.statusCode ?? 0;
      const ok = code >= 200 && code <= 399;
      const head = `GET ${url}: ${code} ${res.statusMessage ?? ''}`.trim();
      const chunks: Buffer[] = [];
      let bytes = 0;
      const end = (): void => {
        const body = Buffer.concat(chunks).toString('utf8');
        finish(ok, body ? `${head}\n${body}` : head);
      };
      res.on('data', (c: Buffer) => {
        if (bytes < MAX_BODY_READ_BYTES) chunks.push(c.subarray(0, MAX_BODY_READ_BYTES - bytes));
        bytes += c.length;
        // Enough for the output: stop reading rather than drain a huge body.
        if (bytes >= MAX_BODY_READ_BYTES) end();
      });
      res.on('end', end);
      res.on('error', () => end());
      res.on('aborted', () => end());
    });
    req.end();
  });
}

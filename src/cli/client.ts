import { parseHostPort } from '../config/addr.js';

/** CliError is a failure the CLI prints as "error: CODE: message" before exiting non-zero. */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** defaultHttpAddr is GRAPEVINE_HTTP_ADDR, or 127.0.0.1:8500. */
export function defaultHttpAddr(): string {
  return process.env.GRAPEVINE_HTTP_ADDR || '127.0.0.1:8500';
}

/** defaultToken is GRAPEVINE_TOKEN, or undefined. */
export function defaultToken(): string | undefined {
  return process.env.GRAPEVINE_TOKEN || undefined;
}

/**
 * ApiClient calls one daemon's HTTP API and turns error answers into CliErrors. An
 * "https://" address talks TLS (trust a private CA with NODE_EXTRA_CA_CERTS); a token
 * goes out as `Authorization: Bearer`.
 */
export class ApiClient {
  readonly base: string;
  constructor(
    httpAddr: string,
    private readonly token: string | undefined = defaultToken(),
  ) {
    const a = parseHostPort(httpAddr.replace(/^https?:\/\//, ''), '--http-addr');
    const scheme = httpAddr.startsWith('https://') ? 'https' : 'http';
    this.base = `${scheme}://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
  }

  /** call sends a request and returns the parsed JSON answer (or text for non-JSON answers). */
  async call<T = any>(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<T> {
    let res: Response;
    try {
      const headers: Record<string, string> = {};
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
      res = await fetch(this.base + path, {
        method,
        signal: AbortSignal.timeout(timeoutMs),
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause;
      throw new CliError('Unavailable', `cannot reach the daemon at ${this.base}: ${cause?.code ?? (e as Error).message}`);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    if (!res.ok) {
      const err = (parsed as { error?: { code?: string; message?: string } })?.error;
      throw new CliError(err?.code ?? `HTTP${res.status}`, err?.message ?? text.slice(0, 500));
    }
    return parsed as T;
  }
}

/** seg percent-encodes one path segment (instance ids may contain '/'). */
export function seg(s: string): string {
  return encodeURIComponent(s);
}

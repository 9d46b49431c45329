/**
 * The API server's resource limits: a cap on open connections and a deadline for
 * receiving a request, with their metrics and a rate-limited log line. Without them,
 * a thousand clients that send a body slowly hold every file descriptor of the
 * daemon, and the API hangs up on everyone with nothing logged.
 */
import type { Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { counter, gauge } from '../obs/metrics.js';

/** ApiLimits bound the API server's connections (config `http`). */
export interface ApiLimits {
  /** maxConnections caps open connections; a connection over it is answered 503 and closed at once. */
  maxConnections: number;
  /** bodyTimeoutMs is how long a client has to send a request's headers and body; then it gets 408 and is closed. */
  bodyTimeoutMs: number;
}

/** LIMIT_LOG_INTERVAL_MS is the least time between two "limit hit" log lines; events in between are summed. */
export const LIMIT_LOG_INTERVAL_MS = 10_000;
/** REFUSAL_LINGER_MS is how long a refused connection may stay half-closed so its 503 is read, not lost to a reset. */
export const REFUSAL_LINGER_MS = 1000;
/** MAX_LINGERING_REFUSALS bounds refused connections lingering at once; beyond it they are destroyed right after the 503. */
export const MAX_LINGERING_REFUSALS = 64;

/**
 * limitServerOptions are the node:http options that enforce bodyTimeoutMs. Node checks
 * the deadlines every connectionsCheckingInterval (30 s by default), so the interval
 * is scaled to the timeout: a request is cut within about a tenth of it late.
 */
export function limitServerOptions(limits: ApiLimits): ServerOptions {
  return {
    requestTimeout: limits.bodyTimeoutMs,
    headersTimeout: limits.bodyTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.bodyTimeoutMs / 10))),
  };
}

/**
 * LimitReporter counts connections refused over the cap and requests cut by the body
 * timeout (Prometheus counters), tracks open connections (a gauge), and logs at most
 * one warning per LIMIT_LOG_INTERVAL_MS: the first event at once, the rest summed.
 */
export class LimitReporter {
  private readonly refusedTotal = counter('grapevine_http_connections_refused_total', 'API connections closed at once because http.maxConnections were open');
  private readonly timeoutsTotal = counter('grapevine_http_request_timeouts_total', 'API requests cut because their headers and body took longer than http.bodyTimeoutMs');
  private readonly open = gauge('grapevine_http_connections', 'Open API connections');
  private pending = { refused: 0, timedOut: 0 };
  private timer: NodeJS.Timeout | undefined;
  private openNow = 0;
  private lingering = 0;
  private readonly refusal: string;

  constructor(
    private readonly logger: Logger,
    private readonly limits: ApiLimits,
    private readonly intervalMs = LIMIT_LOG_INTERVAL_MS,
  ) {
    const body = JSON.stringify({ error: { code: 'Unavailable', message: `too many connections (http.maxConnections: ${limits.maxConnections}); retry later` } });
    this.refusal = `HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nretry-after: 1\r\nconnection: close\r\n\r\n${body}`;
  }

  /**
   * attach puts the cap in front of server's own connection handling: a connection
   * over the cap never reaches the HTTP parser, gets 503 and is closed. (net.Server's
   * maxConnections closes it without a word, and fetch then waits for its own timeout.)
   */
  attach(server: Server): void {
    const handlers = server.listeners('connection') as ((socket: Socket) => void)[];
    server.removeAllListeners('connection');
    server.on('connection', (socket: Socket) => {
      if (this.openNow >= this.limits.maxConnections) return this.refuse(socket);
      this.openNow++;
      this.open.inc();
      socket.once('close', () => {
        this.openNow--;
        this.open.dec();
      });
      for (const h of handlers) h.call(server, socket);
    });
  }

  /** timedOut records a request cut by the body timeout. */
  timedOut(): void {
    this.note('timedOut');
  }

  /** close logs what is still pending and stops the log timer. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flush(false);
  }

  private refuse(socket: Socket): void {
    this.note('refused');
    socket.on('error', () => socket.destroy());
    if (this.lingering >= MAX_LINGERING_REFUSALS) {
      socket.write(this.refusal);
      socket.destroy();
      return;
    }
    // Half-close and drain what the client sends: closing with unread input would reset
    // the connection, and the client could lose the 503 with it.
    this.lingering++;
    socket.end(this.refusal);
    socket.resume();
    const t = setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS);
    t.unref();
    socket.once('close', () => {
      this.lingering--;
      clearTimeout(t);
    });
  }

  private note(kind: 'refused' | 'timedOut'): void {
    (kind === 'refused' ? this.refusedTotal : this.timeoutsTotal).inc();
    this.pending[kind]++;
    if (!this.timer) this.flush(true);
  }

  private flush(rearm: boolean): void {
    this.timer = undefined;
    const { refused, timedOut } = this.pending;
    if (refused + timedOut === 0) return;
    this.pending = { refused: 0, timedOut: 0 };
    this.logger.warn(
      { refusedConnections: refused, timedOutRequests: timedOut, maxConnections: this.limits.maxConnections, bodyTimeoutMs: this.limits.bodyTimeoutMs },
      'http limits hit: connections refused over http.maxConnections and/or requests cut after http.bodyTimeoutMs',
    );
    if (rearm) {
      this.timer = setTimeout(() => this.flush(true), this.intervalMs);
      this.timer.unref();
    }
  }
}

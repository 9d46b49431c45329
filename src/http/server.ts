/**
 * The HTTP API server on node:http (no framework: the discovery route is the hot path
 * and must stay close to a bare node:http server). It bounds the URL, the body and the
 * time to send headers, turns every failure into `{"error": {"code", "message"}}`, and
 * keeps serving whatever a client sends. Its connection cap and request deadline are
 * in limits.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { GrapevineError } from '../core/errors.js';
import { counter } from '../obs/metrics.js';
import { CloudMapApi } from './cloudmap/dispatcher.js';
import { LimitReporter, limitServerOptions, type ApiLimits } from './limits.js';
import { Router, checkQuery } from './router.js';
import type { ApiDeps, ApiResponse } from './types.js';
import { agentRoutes } from './routes/agent.js';
import { discoverRoutes } from './routes/discover.js';
import { healthRoutes } from './routes/health.js';
import { instanceRoutes } from './routes/instances.js';
import { memberRoutes } from './routes/members.js';
import { metricsRoutes } from './routes/metrics.js';
import { namespaceRoutes } from './routes/namespaces.js';
import { serviceRoutes } from './routes/services.js';
import { stateRoutes } from './routes/state.js';
import { statusRoutes } from './routes/status.js';

/** MAX_BODY_BYTES bounds a request body; more is PayloadTooLarge (413). */
export const MAX_BODY_BYTES = 64 * 1024;
/** NO_QUERY is shared by every request without a query string (handlers only read queries). */
const NO_QUERY = new URLSearchParams();
/** MAX_URL_CHARS bounds the request target (path and query). */
export const MAX_URL_CHARS = 8 * 1024;

/** ApiServer is a running API server. */
export interface ApiServer {
  server: Server;
  /** address is the "host:port" the server listens on. */
  address: string;
  /** close stops accepting, answers blocked queries, and ends connections within graceMs. */
  close(graceMs?: number): Promise<void>;
}

/** buildRouter registers every route file's routes. */
export function buildRouter(deps: ApiDeps): Router {
  return new Router()
    .add(statusRoutes(deps))
    .add(memberRoutes(deps))
    .add(namespaceRoutes(deps))
    .add(serviceRoutes(deps))
    .add(instanceRoutes(deps))
    .add(healthRoutes(deps))
    .add(discoverRoutes(deps))
    .add(stateRoutes(deps))
    .add(metricsRoutes(deps))
    .add(agentRoutes(deps));
}

function readBody(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) return Promise.reject(new GrapevineError('PayloadTooLarge', `body: at most ${MAX_BODY_BYTES} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.pause();
        reject(new GrapevineError('PayloadTooLarge', `body: at most ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(c);
    });
    // The client went away or was cut by the body timeout: nobody is left to answer, nothing to log.
    req.on('error', () => reject(new GrapevineError('InvalidInput', 'body: connection closed before the body was complete')));
    req.on('end', () => {
      if (size === 0) return resolve(undefined);
      try {
        resolve(JSON.parse(Buffer.concat(chunks, size).toString('utf8')));
      } catch (e) {
        reject(new GrapevineError('InvalidInput', `body: malformed JSON (${(e as Error).message.slice(0, 120)})`));
      }
    });
  });
}

function send(res: ServerResponse, status: number, r: ApiResponse): void {
  const data = r.bytes ?? r.text ?? JSON.stringify(r.body ?? {});
  const length = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
  // A flat header list skips the per-request object walk of writeHead(status, {...}).
  const headers: string[] = ['content-type', r.contentType ?? 'application/json', 'content-length', String(length)];
  if (r.headers) for (const k in r.headers) headers.push(k, r.headers[k]!);
  res.writeHead(status, headers);
  res.end(data);
}

/** createApiServer builds the server with its limits; call listen yourself, or use startApiServer. */
export function createApiServer(deps: ApiDeps, limits: ApiLimits): { server: Server; reporter: LimitReporter } {
  const router = buildRouter(deps);
  // AWS Cloud Map's own API (AWS JSON 1.1): POST / selected by X-Amz-Target (src/http/cloudmap).
  const cloudMap = new CloudMapApi(deps, MAX_BODY_BYTES);
  const requests = counter('grapevine_http_requests_total', 'HTTP API requests by method and status', ['method', 'status']);
  // Label children are cached: prom-client hashes the label object on every inc() otherwise.
  const children = new Map<string, { inc: () => void }>();
  const count = (method: string, status: number) => {
    const k = `${method} ${status}`;
    let c = children.get(k);
    if (!c) children.set(k, (c = requests.labels(method, String(status))));
    c.inc();
  };
  // Idle keep-alive connections are kept longer than clients keep theirs (undici: 4 s), so
  // that the client, not the server, closes them: otherwise a request sent just as the
  // server closes fails with "other side closed".
  // Headers and body must arrive within limits.bodyTimeoutMs (Node's default allows 5 minutes).
  const server = createServer({ ...limitServerOptions(limits), keepAliveTimeout: 65_000, maxHeaderSize: 16 * 1024 });
  const reporter = new LimitReporter(deps.logger, limits);
  reporter.attach(server);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    // Created only when a handler asks for it (blocking queries): an AbortController and
    // its DOMException per request cost more than the rest of a discovery answer.
    let ac: AbortController | undefined;
    const signal = () => {
      if (!ac) {
        ac = new AbortController();
        const a = ac;
        res.once('close', () => {
          if (!res.writableFinished) a.abort();
        });
      }
      return ac.signal;
    };
    const fail = (e: unknown) => {
      const err = e instanceof GrapevineError ? e : new GrapevineError('Internal', 'internal error');
      if (!(e instanceof GrapevineError)) deps.logger.error({ err: e, method, url: url.slice(0, 300) }, 'request failed');
      count(method, err.status);
      if (method !== 'GET' && !(method === 'POST' && url === '/')) logWrite(deps, req, method, url.split('?')[0]!.slice(0, 300), err.status, err.code);
      if (res.headersSent || res.destroyed) return;
      // After an oversized body, don't read the rest: answer and close the connection.
      const headers: Record<string, string> = err.code === 'PayloadTooLarge' ? { connection: 'close' } : {};
      send(res, err.status, { body: { error: { code: err.code, message: err.message } }, headers });
    };
    try {
      if (url.length > MAX_URL_CHARS) throw new GrapevineError('InvalidInput', `url: at most ${MAX_URL_CHARS} characters`);
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      if (method === 'POST' && path === '/') return cloudMap.handle(req, res, (status) => count(method, status));
      const m = router.match(method, path);
      const query = q < 0 ? NO_QUERY : new URLSearchParams(url.slice(q + 1));
      if (q >= 0) checkQuery(query, m.query);
      const ok = (r: ApiResponse) => {
        count(method, r.status ?? 200);
        if (method !== 'GET') logWrite(deps, req, method, path, r.status ?? 200, 'ok');
        if (!res.destroyed) send(res, r.status ?? 200, r);
      };
      // Handlers may answer synchronously (discovery does, unless it blocks): no promise hop then.
      const run = (body: unknown) => {
        const apiReq = {
          method,
          params: m.params,
          query,
          body,
          raw: req,
          get signal() {
            return signal();
          },
        };
        try {
          const r = m.handler(apiReq);
          if (r instanceof Promise) r.then(ok, fail);
          else ok(r);
        } catch (e) {
          fail(e);
        }
      };
      if (method === 'PUT' || method === 'POST') readBody(req).then(run, fail);
      else {
        req.resume();
        run(undefined);
      }
    } catch (e) {
      req.resume();
      fail(e);
    }
  });
  server.on('clientError', (err: Error & { code?: string }, socket: Socket) => {
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      reporter.timedOut();
      // A response already under way would be corrupted by a second one (Node's own rule).
      const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
      if (socket.writable && !inFlight?.headersSent) {
        const body = JSON.stringify({ error: { code: 'InvalidInput', message: `request: headers and body must arrive within ${limits.bodyTimeoutMs} ms (http.bodyTimeoutMs)` } });
        socket.write(`HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
      }
      return socket.destroy();
    }
    if (!socket.writable) return socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const body = JSON.stringify({ error: { code: 'InvalidInput', message: `bad request: ${err.code ?? err.message}` } });
    socket.end(`HTTP/1.1 ${status} Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  return { server, reporter };
}

/** logWrite logs a write through the API at info: who (remote address), what (method and path: namespace/service/instance) and the result (issue 14). */
function logWrite(deps: ApiDeps, req: IncomingMessage, method: string, path: string, status: number, result: string): void {
  deps.logger.info({ remote: req.socket.remoteAddress, method, path, status, result }, `${method} ${path}: ${result}`);
}

/** startApiServer creates the server with its limits and listens on host:port. */
export async function startApiServer(deps: ApiDeps, host: string, port: number, limits: ApiLimits): Promise<ApiServer> {
  const { server, reporter } = createApiServer(deps, limits);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  const address = a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  return {
    server,
    address,
    async close(graceMs = 2000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      deps.waiters.closeAll();
      server.closeIdleConnections();
      const t = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(t);
      reporter.close();
    },
  };
}

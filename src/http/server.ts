/**
 * The HTTP API server on node:http (no framework: the discovery route is the hot path
 * and must stay close to a bare node:http server). It bounds the URL, the body and the
 * time to send headers, turns every failure into `{"error": {"code", "message"}}`, and
 * keeps serving whatever a client sends.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { GrapevineError } from '../core/errors.js';
import { counter } from '../obs/metrics.js';
import { Router } from './router.js';
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
    req.on('error', reject);
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
  const text = r.text ?? JSON.stringify(r.body ?? {});
  const headers: Record<string, string | number> = {
    'content-type': r.contentType ?? 'application/json',
    'content-length': Buffer.byteLength(text),
    ...r.headers,
  };
  res.writeHead(status, headers);
  res.end(text);
}

/** createApiServer builds the server; call listen yourself, or use startApiServer. */
export function createApiServer(deps: ApiDeps): { server: Server; abortAll: () => void } {
  const router = buildRouter(deps);
  const requests = counter('grapevine_http_requests_total', 'HTTP API requests by method and status', ['method', 'status']);
  const inflight = new Set<AbortController>();
  const server = createServer({ requestTimeout: 15 * 60_000, headersTimeout: 10_000, keepAliveTimeout: 5_000, maxHeaderSize: 16 * 1024 });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const ac = new AbortController();
    const fail = (e: unknown) => {
      const err = e instanceof GrapevineError ? e : new GrapevineError('Internal', 'internal error');
      if (!(e instanceof GrapevineError)) deps.logger.error({ err: e, method, url: url.slice(0, 300) }, 'request failed');
      requests.inc({ method, status: err.status });
      if (res.headersSent || res.destroyed) return;
      // After an oversized body, don't read the rest: answer and close the connection.
      const headers: Record<string, string> = err.code === 'PayloadTooLarge' ? { connection: 'close' } : {};
      send(res, err.status, { body: { error: { code: err.code, message: err.message } }, headers });
    };
    try {
      if (url.length > MAX_URL_CHARS) throw new GrapevineError('InvalidInput', `url: at most ${MAX_URL_CHARS} characters`);
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const m = router.match(method, path);
      const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
      res.on('close', () => ac.abort());
      const run = (body: unknown) => {
        inflight.add(ac);
        return Promise.resolve(m.handler({ method, params: m.params, query, body, raw: req, signal: ac.signal }))
          .then((r) => {
            requests.inc({ method, status: r.status ?? 200 });
            if (!res.destroyed) send(res, r.status ?? 200, r);
          })
          .finally(() => inflight.delete(ac));
      };
      if (method === 'PUT' || method === 'POST') readBody(req).then(run).catch(fail);
      else {
        req.resume();
        run(undefined).catch(fail);
      }
    } catch (e) {
      req.resume();
      fail(e);
    }
  });
  server.on('clientError', (err: Error & { code?: string }, socket: Socket) => {
    if (!socket.writable) return socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const body = JSON.stringify({ error: { code: 'InvalidInput', message: `bad request: ${err.code ?? err.message}` } });
    socket.end(`HTTP/1.1 ${status} Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  return { server, abortAll: () => inflight.forEach((a) => a.abort()) };
}

/** startApiServer creates the server and listens on host:port. */
export async function startApiServer(deps: ApiDeps, host: string, port: number): Promise<ApiServer> {
  const { server } = createApiServer(deps);
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
    },
  };
}

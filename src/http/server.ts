/**
 * The HTTP API server on node:http (no framework: the discovery route is the hot path
 * and must stay close to a bare node:http server). It bounds the URL, the body and the
 * time to send headers, turns every failure into `{"error": {"code", "message"}}`, and
 * keeps serving whatever a client sends. Its connection cap and request deadline are
 * in limits.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { GrapevineError } from '../core/errors.js';
import { counter } from '../obs/metrics.js';
import { CloudMapApi } from './cloudmap/dispatcher.js';
import { errorBody, toCloudMapError } from './cloudmap/errors.js';
import { rawHeader, tokenFromHeaders } from './acl.js';
import { isWrite, RateLimited, RequestGate } from './gate.js';
import { isSigV4, sha256Hex } from './sigv4.js';
import { LimitReporter, limitServerOptions, type ApiLimits } from './limits.js';
import { Router, checkQuery } from './router.js';
import type { ApiDeps, ApiResponse } from './types.js';
import { aclRoutes } from './routes/acl.js';
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

/** HttpsListen is where and how the API also listens over TLS. */
export interface HttpsListen {
  host: string;
  port: number;
  /** key, cert and ca are PEM contents (tls.keyFile, tls.certFile, tls.caFile). */
  key: string | Buffer;
  cert: string | Buffer;
  ca?: string | Buffer;
  /** verifyIncoming requires a client certificate signed by ca. */
  verifyIncoming: boolean;
}

/** ApiSecurity are the API's rate limits, CORS origins and optional HTTPS listener. */
export interface ApiSecurity {
  readsPerSec: number;
  writesPerSec: number;
  corsOrigins: readonly string[];
  https?: HttpsListen;
}

/** NO_SECURITY is an API without rate limits, CORS or HTTPS (tests). */
export const NO_SECURITY: ApiSecurity = { readsPerSec: 0, writesPerSec: 0, corsOrigins: [] };

/** ApiServer is a running API server. */
export interface ApiServer {
  server: Server;
  /** address is the "host:port" the server listens on. */
  address: string;
  /** httpsAddress is the "host:port" of the HTTPS listener, when there is one. */
  httpsAddress?: string;
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
    .add(agentRoutes(deps))
    .add(aclRoutes(deps));
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

function send(res: ServerResponse, status: number, r: ApiResponse, corsOrigin?: string): void {
  const data = r.bytes ?? r.text ?? JSON.stringify(r.body ?? {});
  const length = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
  // A flat header list skips the per-request object walk of writeHead(status, {...}).
  const headers: string[] = ['content-type', r.contentType ?? 'application/json', 'content-length', String(length)];
  if (r.headers) for (const k in r.headers) headers.push(k, r.headers[k]!);
  if (corsOrigin !== undefined) headers.push('access-control-allow-origin', corsOrigin, 'vary', 'origin');
  res.writeHead(status, headers);
  res.end(data);
}

/**
 * createApiServer builds the server with its limits (and an HTTPS twin when
 * security.https is set); call listen yourself, or use startApiServer.
 */
export function createApiServer(deps: ApiDeps, limits: ApiLimits, security: ApiSecurity = NO_SECURITY): { server: Server; httpsServer?: Server; reporter: LimitReporter } {
  const router = buildRouter(deps);
  // AWS Cloud Map's own API (AWS JSON 1.1): POST / selected by X-Amz-Target (src/http/cloudmap).
  const cloudMap = new CloudMapApi(deps, MAX_BODY_BYTES);
  const gate = new RequestGate(security, deps.acl);
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
  const serverOptions = { ...limitServerOptions(limits), keepAliveTimeout: 65_000, maxHeaderSize: 16 * 1024 };
  const server = createServer(serverOptions);
  const reporter = new LimitReporter(deps.logger, limits);
  reporter.attach(server);
  const t = security.https;
  const httpsServer = t
    ? (createHttpsServer({ ...serverOptions, key: t.key, cert: t.cert, ...(t.ca ? { ca: t.ca } : {}), requestCert: t.verifyIncoming, rejectUnauthorized: t.verifyIncoming }) as unknown as Server)
    : undefined;
  if (httpsServer) reporter.attach(httpsServer);
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const cors = gate.corsOrigin(req);
    let accessorId = '-';
    // Audit: every write, with the token's accessor id and the remote address, whatever its outcome.
    const audit = (status: number) => {
      if (isWrite(method)) deps.logger.info({ audit: true, accessorId, remote: req.socket.remoteAddress, method, path: url.slice(0, 300), status }, 'audit: write');
    };
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
      audit(err.status);
      if (res.headersSent || res.destroyed) return;
      // After an oversized body, don't read the rest: answer and close the connection.
      const headers: Record<string, string> = err.code === 'PayloadTooLarge' ? { connection: 'close' } : {};
      if (err instanceof RateLimited) headers['retry-after'] = String(err.retryAfterSec);
      // A Cloud Map call refused before the adapter saw it (rate limit, content type) answers in AWS JSON, so the SDKs read the code.
      const cm = method === 'POST' && url === '/' && req.headers['x-amz-target'] !== undefined ? toCloudMapError(err) : undefined;
      if (cm) {
        send(res, cm.status, { text: JSON.stringify(errorBody(cm)), contentType: 'application/x-amz-json-1.1', headers }, cors);
        return;
      }
      send(res, err.status, { body: { error: { code: err.code, message: err.message } }, headers }, cors);
    };
    try {
      if (url.length > MAX_URL_CHARS) throw new GrapevineError('InvalidInput', `url: at most ${MAX_URL_CHARS} characters`);
      if (method === 'OPTIONS') {
        const pre = gate.preflight(req);
        if (pre) {
          req.resume();
          count(method, 204);
          res.writeHead(204, pre);
          res.end();
          return;
        }
      }
      gate.admit(req, method);
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      if (method === 'POST' && path === '/') {
        // Cloud Map calls: with ACLs on, a SigV4 signature made with a token's AWS key pair
        // is verified once the body is read (it signs the body's hash); a Grapevine token
        // header works too. Each operation is then authorized in the dispatcher.
        const authenticate = (body: Buffer) => {
          const authorization = rawHeader(req.rawHeaders, 'authorization');
          const signed = deps.acl?.settings.enabled === true && tokenFromHeaders(req.rawHeaders) === undefined && isSigV4(authorization);
          const id = signed ? deps.acl!.resolveSigned({ method, url, rawHeaders: req.rawHeaders, payloadSha256Hex: sha256Hex(body) }, authorization!, deps.ctx.node.clock.nowMs()) : gate.identify(req);
          accessorId = id.accessorId;
          return id;
        };
        const done = (status: number) => {
          count(method, status);
          audit(status);
        };
        return cloudMap.handle(req, res, done, authenticate);
      }
      const m = router.match(method, path);
      const identity = gate.identify(req);
      accessorId = identity.accessorId;
      gate.authorize(m.acl, m.params, identity);
      const query = q < 0 ? NO_QUERY : new URLSearchParams(url.slice(q + 1));
      if (q >= 0) checkQuery(query, m.query);
      const ok = (r: ApiResponse) => {
        count(method, r.status ?? 200);
        audit(r.status ?? 200);
        if (!res.destroyed) send(res, r.status ?? 200, r, cors);
      };
      // Handlers may answer synchronously (discovery does, unless it blocks): no promise hop then.
      const run = (body: unknown) => {
        const apiReq = {
          method,
          params: m.params,
          query,
          body,
          raw: req,
          identity,
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
  };
  server.on('request', onRequest);
  httpsServer?.on('request', onRequest);
  const onClientError = (err: Error & { code?: string }, socket: Socket) => {
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
  };
  server.on('clientError', onClientError);
  // A TLS handshake that fails (no or a bad client certificate) closes the socket; nothing to answer.
  httpsServer?.on('tlsClientError', (_err: Error, socket: Socket) => socket.destroy());
  httpsServer?.on('clientError', onClientError);
  return httpsServer ? { server, httpsServer, reporter } : { server, reporter };
}

function listen(server: Server, host: string, port: number): Promise<string> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  }).then(() => {
    const a = server.address() as AddressInfo;
    return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  });
}

/** startApiServer creates the server with its limits and listens on host:port (and on the HTTPS address, if any). */
export async function startApiServer(deps: ApiDeps, host: string, port: number, limits: ApiLimits, security: ApiSecurity = NO_SECURITY): Promise<ApiServer> {
  const { server, httpsServer, reporter } = createApiServer(deps, limits, security);
  const address = await listen(server, host, port);
  let httpsAddress: string | undefined;
  if (httpsServer) {
    try {
      httpsAddress = await listen(httpsServer, security.https!.host, security.https!.port);
    } catch (e) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      reporter.close();
      throw e;
    }
  }
  const servers = httpsServer ? [server, httpsServer] : [server];
  return {
    server,
    address,
    ...(httpsAddress ? { httpsAddress } : {}),
    async close(graceMs = 2000) {
      const closed = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      deps.waiters.closeAll();
      for (const s of servers) s.closeIdleConnections();
      const t = setTimeout(() => {
        for (const s of servers) s.closeAllConnections();
      }, graceMs);
      await closed;
      clearTimeout(t);
      reporter.close();
    },
  };
}

import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { AclResolver, Identity } from './acl.js';
import type { ViewCache } from '../core/discovery.js';
import type { Random } from '../core/gossip/types.js';
import type { AgentContext } from '../runtime/context.js';
import type { ServiceWaiters } from '../runtime/waiters.js';

/** ApiDeps is what route handlers get: the agent context and the HTTP layer's helpers. */
export interface ApiDeps {
  ctx: AgentContext;
  waiters: ServiceWaiters;
  random: Random;
  logger: Logger;
  viewCache: ViewCache;
  /** acl resolves request tokens; without it (tests), every request may do everything. */
  acl?: AclResolver;
  /** requestShutdown asks the daemon to shut down gracefully (after POST /v1/agent/leave). */
  requestShutdown?: () => void;
}

/** ApiRequest is a parsed request as handlers see it. */
export interface ApiRequest {
  method: string;
  /** params holds the decoded path parameters by name. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** body is the parsed JSON body, or undefined when there was none. */
  body: unknown;
  raw: IncomingMessage;
  /** signal aborts when the client goes away (blocking queries stop waiting). */
  signal: AbortSignal;
  /** identity is the request's ACL token: list handlers filter with identity.authz. */
  identity: Identity;
}

/** ApiResponse is what a handler returns; `text` or `bytes` send a ready-made body (metrics, discovery). */
export interface ApiResponse {
  status?: number;
  body?: unknown;
  text?: string;
  bytes?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

/** Handler answers one route. Expected failures are thrown as GrapevineError. */
export type Handler = (req: ApiRequest) => ApiResponse | Promise<ApiResponse>;

/**
 * RouteAcl is what a route needs from the request's token, checked before the handler
 * runs: 'public' needs nothing; 'list' lets the handler filter by identity.authz;
 * namespace and service rules read the :ns (and :svc) path parameters. A route that
 * declares nothing needs a management token, so a forgotten declaration fails closed.
 */
export type RouteAcl =
  | 'public'
  | 'list'
  | { resource: 'namespace' | 'service' | 'agent' | 'acl'; access: 'read' | 'write' };

/** Route binds a method and a path pattern ("/v1/namespaces/:ns") to a handler. */
export interface Route {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  path: string;
  handler: Handler;
  acl?: RouteAcl;
  /** query lists the query parameters the route takes (a name ending in '.' allows that prefix); any other is refused the same way on every route. */
  query?: readonly string[];
}

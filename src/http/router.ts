import { GrapevineError } from '../core/errors.js';
import type { Handler, Route, RouteAcl } from './types.js';

interface Node {
  literal: Map<string, Node>;
  param?: { name: string; node: Node };
  handlers: Map<string, Route>;
}

/** RouteMatch is the handler found for a request and its decoded path parameters. */
export interface RouteMatch {
  handler: Handler;
  params: Record<string, string>;
  /** acl is the route's declared need (undefined: management only). */
  acl: RouteAcl | undefined;
  /** query lists the query parameters the route takes. */
  query: readonly string[];
}

function newNode(): Node {
  return { literal: new Map(), handlers: new Map() };
}

/** checkQuery refuses a query parameter the route does not take, the same way on every route, naming it and the ones it takes. */
export function checkQuery(query: URLSearchParams, allowed: readonly string[]): void {
  for (const k of query.keys()) {
    if (allowed.includes(k) || allowed.some((a) => a.endsWith('.') && k.startsWith(a) && k.length > a.length)) continue;
    throw new GrapevineError('InvalidInput', `${k.slice(0, 80)}: unknown query parameter${allowed.length ? ` (this route takes ${allowed.map((a) => (a.endsWith('.') ? `${a}KEY` : a)).join(', ')})` : ' (this route takes none)'}`);
  }
}

/**
 * Router matches a path segment by segment in a small trie. Segments are split on
 * '/' before they are percent-decoded, so an instance id containing '/' (allowed by
 * Cloud Map's pattern) travels as %2F and stays one parameter.
 */
export class Router {
  private readonly root = newNode();

  /** add registers routes. */
  add(routes: Route[]): this {
    for (const r of routes) {
      let n = this.root;
      for (const seg of r.path.split('/').filter(Boolean)) {
        if (seg.startsWith(':')) {
          n.param ??= { name: seg.slice(1), node: newNode() };
          if (n.param.name !== seg.slice(1)) throw new Error(`Router: conflicting parameter names at ${r.path}`);
          n = n.param.node;
        } else {
          let next = n.literal.get(seg);
          if (!next) n.literal.set(seg, (next = newNode()));
          n = next;
        }
      }
      if (n.handlers.has(r.method)) throw new Error(`Router: duplicate route ${r.method} ${r.path}`);
      n.handlers.set(r.method, r);
    }
    return this;
  }

  /** match finds the handler for a method and raw path; it throws NotFound, MethodNotAllowed or InvalidInput. */
  match(method: string, rawPath: string): RouteMatch {
    const params: Record<string, string> = {};
    let n: Node | undefined = this.root;
    for (const seg of rawPath.split('/')) {
      if (seg === '') continue;
      const lit: Node | undefined = n.literal.get(seg);
      if (lit) {
        n = lit;
      } else if (n.param) {
        try {
          params[n.param.name] = decodeURIComponent(seg);
        } catch {
          throw new GrapevineError('InvalidInput', `path: bad percent-encoding in "${seg.slice(0, 80)}"`);
        }
        n = n.param.node;
      } else {
        throw new GrapevineError('NotFound', `no such endpoint ${rawPath.slice(0, 200)}`);
      }
    }
    const route = n.handlers.get(method);
    if (!route) {
      if (n.handlers.size === 0) throw new GrapevineError('NotFound', `no such endpoint ${rawPath.slice(0, 200)}`);
      throw new GrapevineError('MethodNotAllowed', `${method} is not allowed here (allowed: ${[...n.handlers.keys()].join(', ')})`);
    }
    return { handler: route.handler, params, acl: route.acl, query: route.query ?? [] };
  }
}

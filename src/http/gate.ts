/**
 * RequestGate is what every API request passes before its handler: the per-client
 * rate limits (429 with Retry-After), the refusal of writes a foreign web page could
 * send (simple content types, foreign Origin), CORS for the configured origins, and
 * the ACL check of the route's declared need. Each step is O(1) and allocates
 * nothing for a client and token seen before.
 */
import type { IncomingMessage } from 'node:http';
import { Authorizer } from '../core/acl.js';
import { GrapevineError } from '../core/errors.js';
import { RateLimiter } from '../core/rate-limit.js';
import { ANONYMOUS_ACCESSOR, rawHeader, tokenFromHeaders, type AclResolver, type Identity } from './acl.js';
import type { RouteAcl } from './types.js';

/** GateSettings configure a RequestGate; a rate of 0 turns that limit off. */
export interface GateSettings {
  readsPerSec: number;
  writesPerSec: number;
  /** corsOrigins are origins allowed to call the API from a browser ("*": any). */
  corsOrigins: readonly string[];
}

/** RateLimited is TooManyRequests with the seconds a client should wait (the Retry-After header). */
export class RateLimited extends GrapevineError {
  constructor(readonly retryAfterSec: number, what: string) {
    super('TooManyRequests', `too many ${what} from this address (limits.http${what === 'reads' ? 'Reads' : 'Writes'}PerSec); retry after ${retryAfterSec} s`);
  }
}

/** OPEN_IDENTITY is the identity of every request when ACLs are not configured. */
export const OPEN_IDENTITY: Identity = { accessorId: ANONYMOUS_ACCESSOR, authz: new Authorizer([], 'allow', true) };
/** CORS_ALLOW_HEADERS are the request headers a browser may send cross-origin. */
const CORS_ALLOW_HEADERS = 'content-type, authorization, x-grapevine-token, x-grapevine-revision';

/** isWrite says whether a method changes state. */
export function isWrite(method: string): boolean {
  return method === 'PUT' || method === 'POST' || method === 'DELETE' || method === 'PATCH';
}

/** RequestGate admits, authenticates and authorizes requests. */
export class RequestGate {
  private readonly reads: RateLimiter<string> | undefined;
  private readonly writes: RateLimiter<string> | undefined;
  private readonly anyOrigin: boolean;
  private readonly origins: Set<string>;

  constructor(
    settings: GateSettings,
    private readonly acl: AclResolver | undefined,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.reads = settings.readsPerSec > 0 ? new RateLimiter<string>(settings.readsPerSec) : undefined;
    this.writes = settings.writesPerSec > 0 ? new RateLimiter<string>(settings.writesPerSec) : undefined;
    this.anyOrigin = settings.corsOrigins.includes('*');
    this.origins = new Set(settings.corsOrigins);
  }

  /** corsOrigin returns the request's Origin when CORS allows it, else undefined. */
  corsOrigin(req: IncomingMessage): string | undefined {
    if (this.origins.size === 0) return undefined;
    const o = rawHeader(req.rawHeaders, 'origin');
    if (o === undefined || (!this.anyOrigin && !this.origins.has(o))) return undefined;
    return o;
  }

  /** preflight answers an OPTIONS request from an allowed origin (headers for a 204), or undefined. */
  preflight(req: IncomingMessage): Record<string, string> | undefined {
    const origin = this.corsOrigin(req);
    if (origin === undefined) return undefined;
    return {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'GET, PUT, POST, DELETE',
      'access-control-allow-headers': CORS_ALLOW_HEADERS,
      'access-control-max-age': '600',
      vary: 'origin',
    };
  }

  /**
   * admit applies the rate limit of the request's kind and, for writes, refuses what a
   * foreign web page can send without a CORS preflight: a body typed text/plain or as
   * a form (any type but application/json), or any Origin not in http.corsOrigins.
   */
  admit(req: IncomingMessage, method: string): void {
    const write = isWrite(method);
    const limiter = write ? this.writes : this.reads;
    if (limiter !== undefined) {
      const waitMs = limiter.take(req.socket.remoteAddress ?? '', this.nowMs());
      if (waitMs > 0) throw new RateLimited(Math.max(1, Math.ceil(waitMs / 1000)), write ? 'writes' : 'reads');
    }
    if (!write) return;
    const ct = rawHeader(req.rawHeaders, 'content-type');
    if (ct !== undefined && !isJson(ct)) throw new GrapevineError('UnsupportedMediaType', `content-type: writes take application/json, not ${ct.slice(0, 80)}`);
    const origin = rawHeader(req.rawHeaders, 'origin');
    if (origin !== undefined && this.corsOrigin(req) === undefined) {
      throw new GrapevineError('PermissionDenied', `origin ${origin.slice(0, 120)} may not write (http.corsOrigins)`);
    }
  }

  /** identify resolves the request's token (PermissionDenied for an unknown one). */
  identify(req: IncomingMessage): Identity {
    if (this.acl === undefined || !this.acl.settings.enabled) return OPEN_IDENTITY;
    return this.acl.resolve(tokenFromHeaders(req.rawHeaders));
  }

  /** authorize checks a route's declared need against the identity; a route with none needs management. */
  authorize(need: RouteAcl | undefined, params: Record<string, string>, id: Identity): void {
    if (id === OPEN_IDENTITY || need === 'public' || need === 'list') return;
    const a = id.authz;
    let ok: boolean;
    let what: string;
    if (need === undefined) {
      ok = a.management;
      what = 'this endpoint (management only)';
    } else {
      switch (need.resource) {
        case 'namespace':
          ok = a.namespace(params.ns ?? '', need.access);
          what = `namespace ${params.ns}`;
          break;
        case 'service':
          ok = a.service(params.ns ?? '', params.svc ?? '', need.access);
          what = `service ${params.ns}/${params.svc}`;
          break;
        case 'agent':
          ok = a.agent(need.access);
          what = 'agent';
          break;
        case 'acl':
          ok = a.acl(need.access);
          what = 'acl';
          break;
      }
      what = `${need.access} ${what}`;
    }
    if (!ok) throw new GrapevineError('PermissionDenied', `token ${id.accessorId} may not ${what}`);
  }
}

/** isJson says whether a Content-Type is application/json (parameters such as charset allowed). */
// application/json, and AWS JSON 1.1 (application/x-amz-json-1.1, the Cloud Map API):
// neither is a type a foreign page can send without a CORS preflight.
function isJson(ct: string): boolean {
  const semi = ct.indexOf(';');
  const mime = (semi < 0 ? ct : ct.slice(0, semi)).trim().toLowerCase();
  return mime === 'application/json' || mime === 'application/x-amz-json-1.1';
}

/**
 * The Cloud Map API (AWS JSON 1.1) on the daemon's HTTP port: `POST /` with
 * `X-Amz-Target: Route53AutoNaming_v20170314.<Operation>`. The dispatcher reads the
 * bounded body, picks the operation, and writes the output or the error as the AWS
 * SDKs and CLI expect (CLOUDMAP.md). The caller authenticates the request once its body
 * is read (a SigV4 signature covers the body's hash); each operation is then authorized
 * against the identity's rules (authorize.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Identity } from '../acl.js';
import { OPEN_IDENTITY } from '../gate.js';
import type { ApiDeps } from '../types.js';
import { authorizeOperation, filterOutput } from './authorize.js';
import type { CmContext, CmHandler } from './context.js';
import { DiscoverEncoder, discoverOperations } from './discover.js';
import { CloudMapError, errorBody, toCloudMapError } from './errors.js';
import { regionOf } from './ids.js';
import { members } from './input.js';
import { instanceOperations } from './instances.js';
import { namespaceOperations } from './namespaces.js';
import { OperationLog } from './operations.js';
import { RevisionTracker } from './revision.js';
import { serviceOperations } from './services.js';
import { tagOperations } from './tags.js';

/** TARGET_PREFIX is the X-Amz-Target prefix of Cloud Map's operations. */
export const TARGET_PREFIX = 'Route53AutoNaming_v20170314.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

/** READ_OPERATION matches the operations that change nothing (they are not logged). */
const READ_OPERATION = /^(Get|List|Discover)/;

/** logWrite logs a Cloud Map write at info: who (remote address), what (the ids and names it names) and the result. */
function logWrite(deps: ApiDeps, req: IncomingMessage, op: string, input: unknown, status: number, body: string, accessorId: string | undefined): void {
  if (!op || READ_OPERATION.test(op)) return;
  const what: Record<string, unknown> = {};
  if (input && typeof input === 'object') {
    for (const k of ['Name', 'Id', 'NamespaceId', 'ServiceId', 'InstanceId', 'NamespaceName', 'ServiceName', 'ResourceARN']) {
      const v = (input as Record<string, unknown>)[k];
      if (typeof v === 'string') what[k] = v.slice(0, 300);
    }
  }
  const result = status < 300 ? 'ok' : (/"__type":"([^"]+)"/.exec(body)?.[1] ?? String(status));
  deps.logger.info({ audit: true, accessorId, remote: req.socket.remoteAddress, api: 'cloudmap', op, ...what, status, result }, `cloud map ${op}: ${result}`);
}

/** CloudMapApi serves the Cloud Map operations of one daemon. */
export class CloudMapApi {
  private readonly operations: Record<string, CmHandler>;
  private readonly ops: OperationLog;
  private readonly revisions: RevisionTracker;

  constructor(
    private readonly deps: ApiDeps,
    private readonly maxBodyBytes: number,
  ) {
    this.ops = new OperationLog(deps.ctx.node);
    this.revisions = new RevisionTracker(deps.ctx.node);
    this.operations = {
      ...namespaceOperations,
      ...serviceOperations,
      ...instanceOperations,
      ...discoverOperations(new DiscoverEncoder()),
      ...tagOperations,
    };
  }

  /** operationNames lists the operations served. */
  get operationNames(): string[] {
    return Object.keys(this.operations).sort();
  }

  /**
   * handle answers one `POST /` request; `authenticate` turns the request and its body
   * into an identity (or throws), and `done` hears the status, for metrics and audit.
   */
  handle(req: IncomingMessage, res: ServerResponse, done: (status: number) => void = () => undefined, authenticate: (body: Buffer) => Identity = () => OPEN_IDENTITY): void {
    let input: unknown;
    let accessorId: string | undefined;
    const reply = (status: number, body: string) => {
      done(status);
      logWrite(this.deps, req, name, input, status, body, accessorId);
      if (res.destroyed) return;
      const headers = ['content-type', CONTENT_TYPE, 'content-length', String(Buffer.byteLength(body))];
      if (status === 413) headers.push('connection', 'close');
      res.writeHead(status, headers);
      res.end(body);
    };
    const fail = (e: unknown) => {
      let err = toCloudMapError(e);
      if (!err) {
        this.deps.logger.error({ err: e }, 'cloud map request failed');
        err = new CloudMapError('InternalFailure', 'internal error');
      }
      reply(err.status, JSON.stringify(errorBody(err)));
    };
    const target = String(req.headers['x-amz-target'] ?? '');
    const name = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    const handler = Object.hasOwn(this.operations, name) ? this.operations[name] : undefined;
    this.readBody(req).then(async (raw) => {
      const identity = authenticate(raw);
      if (!handler) throw new CloudMapError('UnknownOperationException', `unknown operation ${JSON.stringify(target.slice(0, 120))}`);
      let body: unknown;
      try {
        body = raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8'));
      } catch (e) {
        throw new CloudMapError('SerializationException', `body: malformed JSON (${(e as Error).message.slice(0, 120)})`);
      }
      const c: CmContext = {
        deps: this.deps,
        node: this.deps.ctx.node,
        reg: this.deps.ctx.node.registry,
        ops: this.ops,
        revisions: this.revisions,
        region: regionOf(req.headers.authorization),
        cmd: () => ({ node: this.deps.ctx.node.name, nowMs: this.deps.ctx.node.clock.nowMs() }),
      };
      input = body;
      accessorId = identity.accessorId;
      const args = members(body);
      authorizeOperation(c, name, args, identity.authz, identity.accessorId);
      return filterOutput(c, name, await handler(c, args), identity.authz, identity.accessorId);
    }).then((out) => {
      if (out && typeof out.__json === 'string') return reply(200, out.__json);
      reply(200, out === undefined ? '{}' : JSON.stringify(out));
    }, fail);
  }

  private readBody(req: IncomingMessage): Promise<Buffer> {
    const max = this.maxBodyBytes;
    const tooLarge = () => new CloudMapError('PayloadTooLarge', `body: at most ${max} bytes`);
    if (Number(req.headers['content-length'] ?? 0) > max) {
      req.resume();
      return Promise.reject(tooLarge());
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > max) {
          req.removeAllListeners('data');
          req.pause();
          reject(tooLarge());
          return;
        }
        chunks.push(c);
      });
      req.on('error', () => reject(new CloudMapError('SerializationException', 'body: connection closed before the body was complete')));
      req.on('end', () => resolve(Buffer.concat(chunks, size)));
    });
  }
}

import { requireService } from '../../core/commands.js';
import { parseDiscoverQuery, queryOrder, toDiscovered } from '../../core/discovery.js';
import type { InstanceView } from '../../core/registry.js';
import { shufflePrefix } from '../../core/selection.js';
import { validateNamespaceName, validateServiceName } from '../../core/validate.js';
import { parseIndex, parseWaitMs } from '../params.js';
import type { ApiDeps, Route } from '../types.js';

const HEAD = Buffer.from('{"instances":[');
/** SLAB_BYTES is the size of the slabs answers are cut from; bigger answers get their own buffer. */
const SLAB_BYTES = 1 << 20;

/**
 * Slab hands out answer buffers cut from 1 MiB slabs, as Node's Buffer pool does for
 * small buffers: one allocation serves dozens of answers, which keeps allocation and
 * external-memory GC pressure off the hot path. A slab is freed once all its answers are.
 */
class Slab {
  private buf = Buffer.allocUnsafeSlow(SLAB_BYTES);
  private offset = 0;

  /** take returns a buffer of `size` bytes that nobody else uses. */
  take(size: number): Buffer {
    if (size > SLAB_BYTES / 8) return Buffer.allocUnsafe(size);
    if (this.offset + size > SLAB_BYTES) {
      this.buf = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.offset = 0;
    }
    const out = this.buf.subarray(this.offset, this.offset + size);
    this.offset = (this.offset + size + 7) & ~7;
    return out;
  }
}

/**
 * encodeEntry is an instance's answer entry as JSON bytes with a leading comma; the
 * ViewCache keeps them per snapshot, so a hot service's answer is a copy of ready-made
 * pieces (the route must keep up with a bare node:http server).
 */
function encodeEntry(v: InstanceView): Buffer {
  return Buffer.from(',' + JSON.stringify(toDiscovered(v)));
}

/**
 * joinAnswer copies the encoded entries at the first `k` positions of `order` (each
 * entry with a leading comma) into one answer body cut from the slab.
 */
function joinAnswer(entries: readonly Buffer[], order: Int32Array, k: number, revision: number, truncated: boolean, slab: Slab): Buffer {
  const tail = Buffer.from(`],"revision":${revision},"truncated":${truncated}}`);
  let size = HEAD.length + tail.length - (k > 0 ? 1 : 0);
  for (let i = 0; i < k; i++) size += entries[order[i]!]!.length;
  const out = slab.take(size);
  out.set(HEAD, 0);
  let pos = HEAD.length;
  for (let i = 0; i < k; i++) {
    const e = entries[order[i]!]!;
    // The first entry goes without its comma.
    const from = i === 0 ? 1 : 0;
    out.set(from === 0 ? e : e.subarray(1), pos);
    pos += e.length - from;
  }
  out.set(tail, pos);
  return out;
}

/**
 * discoverRoutes serves GET /v1/discover/{ns}/{svc}: Cloud Map's DiscoverInstances,
 * plus Consul-style blocking: with `index=R` equal to the service's index the request
 * waits (up to `wait`) for the next change. The index (Registry.serviceIndex, the same
 * on converged daemons) goes out as `revision` and as X-Grapevine-Revision.
 */
export function discoverRoutes(deps: ApiDeps): Route[] {
  const reg = deps.ctx.node.registry;
  const slab = new Slab();
  return [
    {
      method: 'GET',
      path: '/v1/discover/:ns/:svc',
      acl: { resource: 'service', access: 'read' },
      query: ['health', 'max', 'index', 'wait', 'attr.', 'optional.'],
      handler: (req) => {
        const ns = validateNamespaceName(req.params.ns);
        const svc = validateServiceName(req.params.svc);
        const q = parseDiscoverQuery(req.query);
        const index = parseIndex(req.query.get('index'));
        const waitMs = parseWaitMs(req.query.get('wait'));
        requireService(reg, ns, svc);
        const answer = () => {
          const snap = deps.viewCache.snapshot(reg, ns, svc);
          // The selection rule and the shuffle are the core's (selection.ts), shared with DNS.
          const order = queryOrder(snap, q);
          const k = shufflePrefix(order, order.length, q.max, deps.random);
          const revision = reg.serviceIndex(ns, svc);
          const bytes = joinAnswer(snap.encoded(encodeEntry), order, k, revision, order.length > q.max, slab);
          return { bytes, headers: { 'x-grapevine-revision': String(revision) } };
        };
        // Park only when the client holds the current index: a lower one has missed a change, and a higher
        // one comes from a daemon that is ahead or from before a reset, which Consul answers at once too.
        if (index !== null && reg.serviceIndex(ns, svc) === index) {
          return deps.waiters.wait(ns, svc, waitMs, req.signal).then(() => {
            // The service may have gone while the request waited.
            requireService(reg, ns, svc);
            return answer();
          });
        }
        return answer();
      },
    },
  ];
}

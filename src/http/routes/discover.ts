import { requireService } from '../../core/commands.js';
import { discoverViews, parseDiscoverQuery, sharedPool, toDiscovered, type PickedViews } from '../../core/discovery.js';
import type { Random } from '../../core/gossip/types.js';
import type { InstanceView } from '../../core/registry.js';
import { validateNamespaceName, validateServiceName } from '../../core/validate.js';
import { parseIndex, parseWaitMs } from '../params.js';
import type { ApiDeps, Route } from '../types.js';

const HEAD = Buffer.from('{"instances":[');
/** JSON_BYTES keys a view's encoded answer entry, kept on the view itself (a WeakMap lookup per entry costs more). */
const JSON_BYTES = Symbol('discoverJson');
type CachedView = InstanceView & { [JSON_BYTES]?: Buffer };
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
 * Arena holds the encoded entries of one memoised pool (a service's instances in one
 * health mode, at one revision) and an index order that is partially shuffled in
 * place per answer. The common query (no attribute filters) then costs typed-array
 * swaps and one copy per entry, instead of walking view objects.
 */
interface Arena {
  entries: Buffer[];
  order: Int32Array;
}

function buildArena(pool: readonly InstanceView[]): Arena {
  const entries = pool.map((v) => Buffer.from(',' + JSON.stringify(toDiscovered(v))));
  const order = new Int32Array(pool.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return { entries, order };
}

/** answerFromArena draws a uniform sample of at most `max` entries (partial Fisher-Yates on the index order) and encodes the answer. */
function answerFromArena(a: Arena, max: number, revision: number, random: Random, slab: Slab): Buffer {
  const n = a.order.length;
  const k = Math.min(max, n);
  const order = a.order;
  for (let i = 0; i < Math.min(k, n - 1); i++) {
    const j = i + Math.floor(random.next() * (n - i));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  const parts: Buffer[] = new Array(k);
  for (let i = 0; i < k; i++) parts[i] = a.entries[order[i]!]!;
  return joinAnswer(parts, revision, n > max, slab);
}

/** joinAnswer copies ready-encoded entries (each with a leading comma) into one answer body cut from the slab. */
function joinAnswer(parts: readonly Buffer[], revision: number, truncated: boolean, slab: Slab): Buffer {
  const tail = Buffer.from(`],"revision":${revision},"truncated":${truncated}}`);
  let size = HEAD.length + tail.length - (parts.length > 0 ? 1 : 0);
  for (let i = 0; i < parts.length; i++) size += parts[i]!.length;
  const out = slab.take(size);
  out.set(HEAD, 0);
  let pos = HEAD.length;
  for (let i = 0; i < parts.length; i++) {
    const e = parts[i]!;
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
 * plus Consul-style blocking: with `index=R` the request waits (up to `wait`) until
 * the service's revision passes R. The revision also goes out as X-Grapevine-Revision.
 */
export function discoverRoutes(deps: ApiDeps): Route[] {
  const reg = deps.ctx.node.registry;
  // Each instance's JSON is encoded once per view (with its leading comma), as bytes;
  // views are cached per service revision, so a hot service's answer is a copy of
  // ready-made pieces into a slab (the route must keep up with a bare node:http server).
  const slab = new Slab();
  const arenas = new WeakMap<readonly InstanceView[], Arena>();
  const serialize = (r: PickedViews): Buffer => {
    const parts: Buffer[] = new Array(r.views.length);
    for (let i = 0; i < r.views.length; i++) {
      const v = r.views[i] as CachedView;
      let b = v[JSON_BYTES];
      if (b === undefined) b = v[JSON_BYTES] = Buffer.from(',' + JSON.stringify(toDiscovered(v)));
      parts[i] = b;
    }
    return joinAnswer(parts, r.revision, r.truncated, slab);
  };
  return [
    {
      method: 'GET',
      path: '/v1/discover/:ns/:svc',
      handler: (req) => {
        const ns = validateNamespaceName(req.params.ns);
        const svc = validateServiceName(req.params.svc);
        const q = parseDiscoverQuery(req.query);
        const index = parseIndex(req.query.get('index'));
        const waitMs = parseWaitMs(req.query.get('wait'));
        requireService(reg, ns, svc);
        const answer = () => {
          const views = deps.viewCache.views(reg, ns, svc);
          const pool = sharedPool(views, q);
          if (pool) {
            let arena = arenas.get(pool);
            if (!arena) arenas.set(pool, (arena = buildArena(pool)));
            const revision = reg.serviceRevision(ns, svc);
            return { bytes: answerFromArena(arena, q.max, revision, deps.random, slab), headers: { 'x-grapevine-revision': String(revision) } };
          }
          const r = discoverViews(reg, ns, svc, q, deps.random, views);
          return { bytes: serialize(r), headers: { 'x-grapevine-revision': String(r.revision) } };
        };
        if (index !== null && reg.serviceRevision(ns, svc) <= index) {
          return deps.waiters.wait(ns, svc, index, waitMs, req.signal).then(answer);
        }
        return answer();
      },
    },
  ];
}

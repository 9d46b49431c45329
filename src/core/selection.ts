/**
 * The one selection rule that DNS and HTTP answers share: which of a service's
 * instances a health mode admits (failing open as Route 53 and Cloud Map do), and the
 * partial shuffle that draws a uniform random sample from them. Both work on positions
 * (Int32Array) into a list of instance views, so that the callers' hot paths shuffle
 * typed arrays instead of object arrays. Pure: randomness is injected.
 */
import type { Random } from './gossip/types.js';
import type { InstanceView } from './registry.js';

/** HealthFilter is the health mode of a selection: the `health` parameter of a discovery query. */
export type HealthFilter = 'HEALTHY' | 'UNHEALTHY' | 'ALL' | 'HEALTHY_OR_ELSE_ALL';
/** HEALTH_FILTERS lists the accepted health filters. */
export const HEALTH_FILTERS: readonly HealthFilter[] = ['HEALTHY', 'UNHEALTHY', 'ALL', 'HEALTHY_OR_ELSE_ALL'];

/** Keep is an extra requirement an instance must meet to be selected (attribute filters, a usable address). */
export type Keep = (v: InstanceView) => boolean;

/**
 * selectIndexes returns, in view order, the positions in `views` of the instances that
 * `keep` accepts and the health mode admits:
 *  - HEALTHY, UNHEALTHY: that effective health only;
 *  - ALL: every instance, DRAINING ones included;
 *  - HEALTHY_OR_ELSE_ALL: the healthy ones, or when none is healthy every one that is
 *    not DRAINING (fail open: a drain must hide an instance even then).
 * The result is a fresh array the caller may reorder.
 */
export function selectIndexes(views: readonly InstanceView[], health: HealthFilter, keep?: Keep): Int32Array {
  const out = new Int32Array(views.length);
  let n = 0;
  switch (health) {
    case 'ALL':
      for (let i = 0; i < views.length; i++) if (keep === undefined || keep(views[i]!)) out[n++] = i;
      break;
    case 'UNHEALTHY':
      n = collect(views, 'UNHEALTHY', keep, out);
      break;
    case 'HEALTHY':
      n = collect(views, 'HEALTHY', keep, out);
      break;
    case 'HEALTHY_OR_ELSE_ALL':
      n = collect(views, 'HEALTHY', keep, out);
      if (n === 0) {
        for (let i = 0; i < views.length; i++) {
          const v = views[i]!;
          if (v.health !== 'DRAINING' && (keep === undefined || keep(v))) out[n++] = i;
        }
      }
      break;
  }
  return n === out.length ? out : out.slice(0, n);
}

function collect(views: readonly InstanceView[], health: 'HEALTHY' | 'UNHEALTHY', keep: Keep | undefined, out: Int32Array): number {
  let n = 0;
  for (let i = 0; i < views.length; i++) {
    const v = views[i]!;
    if (v.health === health && (keep === undefined || keep(v))) out[n++] = i;
  }
  return n;
}

/** selectViews is selectIndexes returning the instances themselves, in view order. */
export function selectViews(views: readonly InstanceView[], health: HealthFilter, keep?: Keep): InstanceView[] {
  const idx = selectIndexes(views, health, keep);
  const out: InstanceView[] = new Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = views[idx[i]!]!;
  return out;
}

/**
 * shufflePrefix moves a uniform random sample of min(k, n) of the first `n` entries of
 * `order` to its front, in random order (Fisher-Yates stopped after k draws), in O(k),
 * and returns min(k, n). Whatever order `order` starts in, the sample is uniform, so a
 * cached order may be shuffled again and again in place.
 */
export function shufflePrefix(order: Int32Array, n: number, k: number, random: Random): number {
  const m = Math.min(k , n);
  for (let i = 0; i < m && i < n - 1; i++) {
    const j = i + Math.floor(random.next() * (n - i));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return m;
}

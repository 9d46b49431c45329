/**
 * How instances get DNS names. An instance id may hold characters a DNS label cannot
 * carry well ('.', '/', ':', '@'), may be 64 characters (a label is at most 63), and is
 * case-sensitive while DNS names are not. So:
 *
 * - an id that is a valid label (`[0-9A-Za-z_-]{1,63}`) is its own label, lower-cased:
 *   instance `web-1` is `web-1.web.prod.internal`;
 * - any other id gets the label `x-` followed by 16 hex digits of a hash of the id:
 *   instance `10.0.0.7:8080` is e.g. `x-3f09c2a1d40b7e15.web.prod.internal`. SRV
 *   answers name it that way, so clients that follow SRV never need to know;
 * - when two ids map to one label (`Web-1` and `web-1`, or a literal id that happens
 *   to look like an encoded one), the id that sorts first wins, literal ids before
 *   encoded ones, so every daemon decides alike; the loser has no per-instance name
 *   and is left out of SRV answers (it still appears in A and AAAA answers).
 */
import type { InstanceView } from '../registry.js';

const LITERAL_LABEL = /^[0-9A-Za-z_-]{1,63}$/;

/** isLiteralLabel reports whether an instance id can be used as a DNS label as it is. */
export function isLiteralLabel(id: string): boolean {
  return LITERAL_LABEL.test(id);
}

/**
 * hashHex16 returns 16 hex digits of a 64-bit hash of s (two independent 32-bit
 * mixes, cyrb53-style). Stable across processes and versions: names depend on it.
 */
export function hashHex16(s: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/** instanceLabel returns the DNS label an instance id asks for, before collisions are settled. */
export function instanceLabel(id: string): string {
  return isLiteralLabel(id) ? id.toLowerCase() : `x-${hashHex16(id)}`;
}

/**
 * labelIndex maps each DNS label of a service's instances to the instance that owns
 * it, settling collisions as described above.
 */
export function labelIndex(instances: readonly InstanceView[]): Map<string, InstanceView> {
  const sorted = [...instances].sort((a, b) => {
    const la = isLiteralLabel(a.value.id);
    const lb = isLiteralLabel(b.value.id);
    if (la !== lb) return la ? -1 : 1;
    return a.value.id < b.value.id ? -1 : a.value.id > b.value.id ? 1 : 0;
  });
  const out = new Map<string, InstanceView>();
  for (const v of sorted) {
    const label = instanceLabel(v.value.id);
    if (!out.has(label)) out.set(label, v);
  }
  return out;
}

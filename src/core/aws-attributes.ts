/**
 * Cloud Map's names for the reserved attributes: AWS_INSTANCE_IPV4/IPV6/PORT/CNAME are
 * stored as the native ipv4/ipv6/port/cname (so DNS, health checks and both APIs use
 * them), and an instance's `awsKeys` remembers which were given under their AWS name,
 * so that it reads back exactly as registered, through either API.
 */
import { invalid } from './errors.js';
import type { InstanceValue } from './types.js';

/** AWS_TO_NATIVE maps Cloud Map's reserved attribute names to the native ones. */
export const AWS_TO_NATIVE: Readonly<Record<string, string>> = {
  AWS_INSTANCE_IPV4: 'ipv4',
  AWS_INSTANCE_IPV6: 'ipv6',
  AWS_INSTANCE_PORT: 'port',
  AWS_INSTANCE_CNAME: 'cname',
};
const NATIVE_TO_AWS: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(AWS_TO_NATIVE).map(([a, n]) => [n, a]));

// Own keys only: a key such as `__proto__` must never find Object.prototype here.
function nativeName(k: string): string | undefined {
  return Object.hasOwn(AWS_TO_NATIVE, k) ? AWS_TO_NATIVE[k] : undefined;
}

/** toNativeAttributes renames AWS_INSTANCE_* keys to the native ones and returns which were renamed; both names of one attribute is InvalidInput. */
export function toNativeAttributes(attrs: Record<string, string>, field = 'attributes'): { attributes: Record<string, string>; awsKeys: string[] } {
  const awsKeys: string[] = [];
  for (const k of Object.keys(attrs)) {
    const n = nativeName(k);
    if (n === undefined) continue;
    if (attrs[n] !== undefined) throw invalid(`${field}.${k}`, `give either ${k} or ${n}, not both`);
    awsKeys.push(n);
  }
  // fromEntries defines own properties, so a `__proto__` key stays a key (and validation refuses it by name).
  const attributes: Record<string, string> = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [nativeName(k) ?? k, v]));
  return { attributes, awsKeys };
}

/** awsAttributes shows an instance's attributes as it was registered (AWS_* names where it used them). */
export function awsAttributes(i: InstanceValue): Record<string, string> {
  if (!i.awsKeys || i.awsKeys.length === 0) return i.attributes;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(i.attributes)) out[i.awsKeys.includes(k) ? NATIVE_TO_AWS[k]! : k] = v;
  return out;
}

/** queryKey maps a discovery filter key to the stored key (AWS_INSTANCE_IPV4 filters on ipv4). */
export function queryKey(k: string): string {
  return nativeName(k) ?? k;
}

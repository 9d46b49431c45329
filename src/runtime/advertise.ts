/**
 * Advertised addresses: a daemon that listens on a wildcard (0.0.0.0 or ::) must tell
 * its peers an address they can dial. Without an advertised address configured, it
 * takes the host's first non-loopback address; it never advertises the wildcard.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { formatHostPort, parseHostPort } from '../config/addr.js';

/** Advertised is the address to advertise and where it came from. */
export interface Advertised {
  addr: string;
  /** source: `config` (given), `listen` (the listen address itself), `interface` (picked from the host's interfaces). */
  source: 'config' | 'listen' | 'interface';
}

/** isWildcardHost reports whether a listen host means "every interface". */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/** firstNonLoopback returns the first non-internal address of the host (IPv4 preferred, for the family of the wildcard), or undefined. */
export function firstNonLoopback(ifaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(), preferV6 = false): string | undefined {
  const all = Object.values(ifaces).flatMap((l) => l ?? []).filter((i) => !i.internal && !(i.family === 'IPv6' && i.address.startsWith('fe80')));
  const v4 = all.find((i) => i.family === 'IPv4')?.address;
  const v6 = all.find((i) => i.family === 'IPv6')?.address;
  return preferV6 ? (v6 ?? v4) : (v4 ?? v6);
}

/** resolveAdvertised picks the address to advertise for a listen address; undefined when there is no usable one (a wildcard on a host with only loopback). */
export function resolveAdvertised(listen: string, configured: string | undefined, ifaces?: NodeJS.Dict<NetworkInterfaceInfo[]>): Advertised | undefined {
  if (configured) return { addr: configured, source: 'config' };
  const a = parseHostPort(listen, 'listen');
  if (!isWildcardHost(a.host)) return { addr: listen, source: 'listen' };
  const host = firstNonLoopback(ifaces, a.host === '::');
  return host ? { addr: formatHostPort({ host, port: a.port }), source: 'interface' } : undefined;
}

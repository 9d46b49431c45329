/** Where a check connects: the instance's address attributes, as Cloud Map names them. */

/** CheckTarget is a resolved host (IPv4 or IPv6 literal) and port. */
export interface CheckTarget {
  host: string;
  port: number;
  family: 4 | 6;
}

/**
 * checkTarget reads `ipv4` (preferred) or `ipv6` and `port` from an instance's
 * attributes. It returns a string saying what is missing when the instance cannot be
 * checked; that fails the check rather than throwing.
 */
export function checkTarget(attributes: Record<string, string>): CheckTarget | string {
  const port = Number(attributes.port);
  if (!attributes.port || !Number.isInteger(port) || port < 1 || port > 65535) return 'instance has no valid port attribute';
  if (attributes.ipv4) return { host: attributes.ipv4, port, family: 4 };
  if (attributes.ipv6) return { host: attributes.ipv6, port, family: 6 };
  return 'instance has neither an ipv4 nor an ipv6 attribute';
}

/** targetUrl formats the URL an HTTP(S) check requests: http(s)://{ipv4 or [ipv6]}:{port}{path}. */
export function targetUrl(scheme: 'http' | 'https', t: CheckTarget, path: string): string {
  const host = t.family === 6 ? `[${t.host}]` : t.host;
  return `${scheme}://${host}:${t.port}${path}`;
}

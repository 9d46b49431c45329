import { invalid } from '../core/errors.js';

/** HostPort is a parsed "host:port" address. */
export interface HostPort {
  host: string;
  port: number;
}

/**
 * parseHostPort parses "host:port" or "[ipv6]:port"; the error names `field`.
 * Port 0 is allowed (the OS picks one), which tests and embedding find handy.
 */
export function parseHostPort(v: unknown, field: string): HostPort {
  if (typeof v !== 'string' || v.length === 0 || v.length > 300) throw invalid(field, 'must be a "host:port" string');
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(v) ?? /^([^:\s[\]]+):(\d{1,5})$/.exec(v);
  if (!m) throw invalid(field, `"${v}" is not "host:port"`);
  const port = Number(m[2]);
  if (port > 65535) throw invalid(field, `port ${port} is out of range`);
  return { host: m[1]!, port };
}

/** formatHostPort writes an address back as "host:port" (brackets around IPv6). */
export function formatHostPort(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

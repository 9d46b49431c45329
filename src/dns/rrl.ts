/**
 * DNS response-rate limiting (RRL, after BIND's): UDP answers to one client network,
 * a /24 for IPv4 or a /56 for IPv6, are held to a token-bucket rate, so that the
 * daemon cannot be used to amplify a flood at a spoofed victim. Over the limit, every
 * `slip`-th query gets a tiny truncated answer (TC=1, no records): a real resolver
 * retries over TCP, which a spoofed source cannot. The rest are dropped. TCP is not
 * limited here (its handshake proves the source).
 */
import { isIPv4 } from 'node:net';
import { RateLimiter } from '../core/rate-limit.js';

/** RrlVerdict says what to do with a UDP query: answer, slip (TC=1) or drop. */
export type RrlVerdict = 'answer' | 'slip' | 'drop';

/** HEADER_BYTES is the DNS header's size (RFC 1035 §4.1.1). */
const HEADER_BYTES = 12;

/** clientNetworkKey maps an address to its /24 (a number) or /56 (a string); IPv4-mapped IPv6 counts as IPv4. */
export function clientNetworkKey(address: string): number | string {
  const v4 = address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
  if (isIPv4(v4)) {
    // The first three octets, parsed in place: no split, no array.
    let key = 0;
    let part = 0;
    let dots = 0;
    for (let i = 0; i < v4.length && dots < 3; i++) {
      const c = v4.charCodeAt(i);
      if (c === 46) {
        key = key * 256 + part;
        part = 0;
        dots++;
      } else part = part * 10 + (c - 48);
    }
    return key;
  }
  return ipv6Prefix56(address);
}

/** ipv6Prefix56 returns the first 56 bits of an IPv6 address as hex, e.g. "20010db8000001". */
export function ipv6Prefix56(address: string): string {
  const zone = address.indexOf('%');
  const a = zone < 0 ? address : address.slice(0, zone);
  const dbl = a.indexOf('::');
  const head = dbl < 0 ? a.split(':') : a.slice(0, dbl).split(':').filter((g) => g !== '');
  const tail = dbl < 0 ? [] : a.slice(dbl + 2).split(':').filter((g) => g !== '');
  const groups = dbl < 0 ? head : [...head, ...new Array<string>(Math.max(0, 8 - head.length - tail.length)).fill('0'), ...tail];
  let out = '';
  for (let i = 0; i < 4; i++) out += (groups[i] ?? '0').padStart(4, '0').toLowerCase();
  return out.slice(0, 14);
}

/**
 * truncatedReply builds the TC=1 answer to a query: its header and question, with QR
 * and TC set and no records, or null when the query has no single readable question.
 */
export function truncatedReply(query: Buffer): Buffer | null {
  if (query.length < HEADER_BYTES + 5) return null;
  if ((query[2]! & 0x80) !== 0) return null; // a response, not a query
  if (query.readUInt16BE(4) !== 1) return null;
  let i = HEADER_BYTES;
  for (let hops = 0; hops < 128; hops++) {
    if (i >= query.length) return null;
    const len = query[i]!;
    if (len === 0) {
      i += 1;
      break;
    }
    if ((len & 0xc0) !== 0) return null; // no compression in a question
    i += len + 1;
  }
  const end = i + 4;
  if (end > query.length) return null;
  const out = Buffer.allocUnsafe(end);
  query.copy(out, 0, 0, end);
  out[2] = (query[2]! & 0x79) | 0x80 | 0x02; // QR, keep opcode and RD, set TC, clear AA
  out[3] = 0; // RA off, RCODE NOERROR
  out.writeUInt16BE(0, 6);
  out.writeUInt16BE(0, 8);
  out.writeUInt16BE(0, 10);
  return out;
}

/** ResponseRateLimiter decides per query whether a client network is over its rate. */
export class ResponseRateLimiter {
  private readonly limiter: RateLimiter<number | string>;
  private overLimit = 0;
  /** stats count slipped and dropped queries, for metrics and tests. */
  readonly stats = { slipped: 0, dropped: 0 };

  constructor(
    ratePerSec: number,
    /** slip answers every slip-th over-limit query with TC=1; 0 drops them all. */
    private readonly slip: number,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.limiter = new RateLimiter(ratePerSec);
  }

  /** check spends one response of the address's network and says what to do with the query. */
  check(address: string): RrlVerdict {
    if (this.limiter.take(clientNetworkKey(address), this.nowMs()) === 0) return 'answer';
    this.overLimit++;
    if (this.slip > 0 && this.overLimit % this.slip === 0) {
      this.stats.slipped++;
      return 'slip';
    }
    this.stats.dropped++;
    return 'drop';
  }
}

/**
 * Reading DNS queries off the wire (RFC 1035 §4.1) without a general decoder: the
 * answer path only needs the header, the one question and the EDNS0 OPT record, and
 * reading them in place avoids the objects a full decode would allocate per query.
 */

/** RCODE names the response codes the responder uses (RFC 1035 §4.1.1, RFC 6891 §9). */
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 16 } as const;

/** QTYPE names the record types the responder knows by number. */
export const QTYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  IXFR: 251,
  AXFR: 252,
  MAILB: 253,
  MAILA: 254,
  ANY: 255,
} as const;

/** CLASS_IN is the Internet class, the only one served. */
export const CLASS_IN = 1;

/** MAX_NAME_BYTES is the longest domain name in wire form (RFC 1035 §2.3.4). */
export const MAX_NAME_BYTES = 255;

/** ParseOutcome says what to do with a packet: answer it, answer with an error code, or drop it. */
export type ParseOutcome = 'ok' | 'drop' | 'formerr' | 'notimp' | 'badvers';

/**
 * ParsedQuery is the reusable result of parseQuery: one instance per responder, so
 * parsing allocates nothing but the cache key string.
 */
export class ParsedQuery {
  /** id is the query id, echoed in the answer. */
  id = 0;
  /** flags is the raw second header word of the query. */
  flags = 0;
  /** opcode is the query's opcode (0 = QUERY). */
  opcode = 0;
  /** questionEnd is the offset just past the question (name, type, class). */
  questionEnd = 12;
  /** nameEnd is the offset just past the question name's root label. */
  nameEnd = 12;
  qtype = 0;
  qclass = 0;
  /** labelCount is the number of labels in the question name. */
  labelCount = 0;
  /** labelStarts holds the offset of each label's length byte, in order. */
  readonly labelStarts = new Int32Array(128);
  /** ednsUdpSize is the client's advertised UDP payload size, or 0 when the query had no OPT. */
  ednsUdpSize = 0;
  /** hasEdns says whether the query carried an OPT record. */
  hasEdns = false;
  /** key is the cache key: the lower-cased wire name followed by the two qtype bytes, as latin1. */
  key = '';
  /** keyScratch is where the key's bytes are gathered before they become `key`. */
  readonly keyScratch = Buffer.alloc(MAX_NAME_BYTES + 2);
}

/**
 * parseQuery reads a query into `out`. It returns 'drop' when not even a header can
 * be read or the packet is a response (answering responses invites loops), and an
 * error outcome when the header is readable but the rest breaks a rule.
 */
export function parseQuery(buf: Uint8Array, out: ParsedQuery): ParseOutcome {
  const len = buf.length;
  if (len < 12) return 'drop';
  out.id = (buf[0] << 8) | buf[1];
  out.flags = (buf[2] << 8) | buf[3];
  out.opcode = (out.flags >> 11) & 0xf;
  out.hasEdns = false;
  out.ednsUdpSize = 0;
  if (out.flags & 0x8000) return 'drop';
  if (out.opcode !== 0) return 'notimp';
  const qd = (buf[4] << 8) | buf[5];
  const an = (buf[6] << 8) | buf[7];
  const ns = (buf[8] << 8) | buf[9];
  const ar = (buf[10] << 8) | buf[11];
  if (qd !== 1) return 'formerr';
  // The question name: plain labels only (a pointer here could only point backwards into the header).
  const scratch = out.keyScratch;
  let p = 12;
  let n = 0;
  let labels = 0;
  for (;;) {
    if (p >= len) return 'formerr';
    const l = buf[p];
    if (l === 0) break;
    if (l > 63) return 'formerr';
    if (p + 1 + l > len || n + 1 + l + 1 > MAX_NAME_BYTES) return 'formerr';
    out.labelStarts[labels++] = p;
    scratch[n++] = l;
    for (let i = 0; i < l; i++) {
      const c = buf[p + 1 + i];
      scratch[n++] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
    }
    p += 1 + l;
  }
  scratch[n++] = 0;
  out.nameEnd = p + 1;
  out.labelCount = labels;
  if (out.nameEnd + 4 > len) return 'formerr';
  out.qtype = (buf[out.nameEnd] << 8) | buf[out.nameEnd + 1];
  out.qclass = (buf[out.nameEnd + 2] << 8) | buf[out.nameEnd + 3];
  out.questionEnd = out.nameEnd + 4;
  scratch[n++] = buf[out.nameEnd];
  scratch[n++] = buf[out.nameEnd + 1];
  out.key = scratch.toString('latin1', 0, n);
  // Answer and authority records in a query are unusual but legal: skip them.
  p = out.questionEnd;
  for (let i = 0; i < an + ns; i++) {
    p = skipRecord(buf, p);
    if (p < 0) return 'formerr';
  }
  let version = 0;
  for (let i = 0; i < ar; i++) {
    const start = p;
    p = skipRecord(buf, p);
    if (p < 0) return 'formerr';
    const type = (buf[start + 1] << 8) | buf[start + 2];
    if (buf[start] === 0 && type === QTYPE.OPT) {
      // RFC 6891 §6.1.1: at most one OPT, owned by the root.
      if (out.hasEdns) return 'formerr';
      out.hasEdns = true;
      out.ednsUdpSize = (buf[start + 3] << 8) | buf[start + 4];
      version = buf[start + 6];
    } else if (type === QTYPE.OPT) {
      return 'formerr';
    }
  }
  if (out.qtype === QTYPE.OPT) return 'formerr';
  if (out.hasEdns && version !== 0) return 'badvers';
  return 'ok';
}

/** skipRecord returns the offset past the resource record at p, or -1 when it runs off the end. */
function skipRecord(buf: Uint8Array, p: number): number {
  const len = buf.length;
  // Owner name: labels, ending in a root label or a compression pointer.
  for (let hops = 0; ; hops++) {
    if (p >= len || hops > 128) return -1;
    const l = buf[p];
    if (l === 0) {
      p += 1;
      break;
    }
    if ((l & 0xc0) === 0xc0) {
      p += 2;
      break;
    }
    if (l > 63) return -1;
    p += 1 + l;
  }
  if (p + 10 > len) return -1;
  const rdlen = (buf[p + 8] << 8) | buf[p + 9];
  p += 10 + rdlen;
  return p > len ? -1 : p;
}

/**
 * labelText returns label i of the parsed question name, lower-cased, as a string.
 * Used only when building an answer, never on the cached path.
 */
export function labelText(buf: Uint8Array, q: ParsedQuery, i: number): string {
  const start = q.labelStarts[i];
  const l = buf[start];
  let s = '';
  for (let j = 0; j < l; j++) {
    const c = buf[start + 1 + j];
    s += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
  }
  return s;
}

/** errorResponse builds a header-only response carrying an error code, for queries that cannot be answered. */
export function errorResponse(buf: Uint8Array, rcode: number): Buffer {
  const out = Buffer.alloc(12);
  out[0] = buf[0];
  out[1] = buf[1];
  const opcode = (buf[2] >> 3) & 0xf;
  // QR, the query's opcode and RD; AA stays clear since nothing authoritative is said.
  out[2] = 0x80 | (opcode << 3) | (buf[2] & 0x01);
  out[3] = rcode & 0xf;
  return out;
}

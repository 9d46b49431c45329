/**
 * Encoding of single resource records into self-contained byte chunks. Owner names
 * are compression pointers (RFC 1035 §4.1.4) into the echoed question, whose layout
 * is the same for every query of one (lower-cased) name, so a chunk built once can be
 * copied into every answer to that name. RDATA comes from dns-packet's encoders.
 */
import * as packet from 'dns-packet';
import { CLASS_IN, QTYPE } from './wire.js';

/** RdataCodec is the shape of dns-packet's per-type RDATA encoders (not in its typings). */
interface RdataCodec {
  encode(data: unknown, buf?: Buffer, offset?: number): Buffer;
  encodingLength(data: unknown): number;
}

const codecs = packet as unknown as { a: RdataCodec; aaaa: RdataCodec; txt: RdataCodec; srv: RdataCodec };

/** QUESTION_OFFSET is where the question name starts in every message: right after the header. */
export const QUESTION_OFFSET = 12;

/** MAX_TTL_S caps TTLs at 2^31-1 seconds, as RFC 2181 §8 requires. */
const MAX_TTL_S = 0x7fffffff;

/** pointer returns the two bytes of a compression pointer to `offset`. */
export function pointer(offset: number): Buffer {
  return Buffer.from([0xc0 | (offset >> 8), offset & 0xff]);
}

/**
 * encodeName encodes labels followed either by a pointer to `suffixOffset` or, when it
 * is negative, by the root label. Labels are ASCII; each is at most 63 bytes by construction.
 */
export function encodeName(labels: readonly string[], suffixOffset: number): Buffer {
  let len = suffixOffset >= 0 ? 2 : 1;
  for (const l of labels) len += 1 + Buffer.byteLength(l, 'latin1');
  const out = Buffer.alloc(len);
  let p = 0;
  for (const l of labels) {
    out[p] = out.write(l, p + 1, 'latin1');
    p += 1 + out[p];
  }
  if (suffixOffset >= 0) {
    out[p] = 0xc0 | (suffixOffset >> 8);
    out[p + 1] = suffixOffset & 0xff;
  } else {
    out[p] = 0;
  }
  return out;
}

/** record assembles one RR from an encoded owner name, a type, a TTL and RDATA that already starts with its 2-byte length. */
function record(owner: Buffer, type: number, ttlS: number, rdataWithLength: Buffer): Buffer {
  const out = Buffer.alloc(owner.length + 8 + rdataWithLength.length);
  owner.copy(out, 0);
  const p = owner.length;
  out.writeUInt16BE(type, p);
  out.writeUInt16BE(CLASS_IN, p + 2);
  out.writeUInt32BE(Math.max(0, Math.min(MAX_TTL_S, Math.floor(ttlS))), p + 4);
  rdataWithLength.copy(out, p + 8);
  return out;
}

/** withLength prefixes raw RDATA with its 16-bit length. */
function withLength(rdata: Buffer): Buffer {
  const out = Buffer.alloc(2 + rdata.length);
  out.writeUInt16BE(rdata.length, 0);
  rdata.copy(out, 2);
  return out;
}

/** aRecord encodes an A record for an IPv4 address. */
export function aRecord(owner: Buffer, ttlS: number, ipv4: string): Buffer {
  return record(owner, QTYPE.A, ttlS, codecs.a.encode(ipv4));
}

/** aaaaRecord encodes an AAAA record for an IPv6 address. */
export function aaaaRecord(owner: Buffer, ttlS: number, ipv6: string): Buffer {
  return record(owner, QTYPE.AAAA, ttlS, codecs.aaaa.encode(ipv6));
}

/**
 * txtRecord encodes one TXT record holding `text`, split into character-strings of
 * at most 255 bytes (RFC 1035 §3.3.14); clients join the pieces.
 */
export function txtRecord(owner: Buffer, ttlS: number, text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 255) parts.push(bytes.subarray(i, i + 255));
  if (parts.length === 0) parts.push(Buffer.alloc(0));
  return record(owner, QTYPE.TXT, ttlS, codecs.txt.encode(parts));
}

/** SRV_TARGET_OFFSET is where an SRV record's target name starts within its chunk (owner pointer, fixed fields, priority/weight/port). */
export const SRV_TARGET_OFFSET = 2 + 10 + 6;

/**
 * srvRecord encodes an SRV record. The target is written in full: RFC 2782 forbids
 * compressing it, and that lets additional records point at it instead.
 */
export function srvRecord(owner: Buffer, ttlS: number, priority: number, weight: number, port: number, target: string): Buffer {
  return record(owner, QTYPE.SRV, ttlS, codecs.srv.encode({ priority, weight, port, target }));
}

/** nameRecord encodes a record whose RDATA is one domain name (CNAME, NS), which may end in a compression pointer. */
export function nameRecord(owner: Buffer, type: number, ttlS: number, target: Buffer): Buffer {
  return record(owner, type, ttlS, withLength(target));
}

/** SoaFields are the SOA RDATA values other than the two names. */
export interface SoaFields {
  serial: number;
  refreshS: number;
  retryS: number;
  expireS: number;
  minimumS: number;
}

/** soaRecord encodes an SOA record; mname and rname are pre-encoded (possibly compressed) names. */
export function soaRecord(owner: Buffer, ttlS: number, mname: Buffer, rname: Buffer, f: SoaFields): Buffer {
  const rdata = Buffer.alloc(mname.length + rname.length + 20);
  mname.copy(rdata, 0);
  rname.copy(rdata, mname.length);
  let p = mname.length + rname.length;
  for (const v of [f.serial, f.refreshS, f.retryS, f.expireS, f.minimumS]) {
    rdata.writeUInt32BE(v >>> 0, p);
    p += 4;
  }
  return record(owner, QTYPE.SOA, ttlS, withLength(rdata));
}

/** OPT_RECORD_BYTES is the size of the OPT record the responder adds to EDNS answers. */
export const OPT_RECORD_BYTES = 11;

/**
 * writeOpt writes an OPT pseudo-record (RFC 6891 §6.1.2) at `p`: root owner, our UDP
 * payload size, the upper bits of the extended RCODE, version 0, no options.
 */
export function writeOpt(out: Buffer, p: number, udpSize: number, extendedRcode: number): void {
  out[p] = 0;
  out[p + 1] = 0;
  out[p + 2] = QTYPE.OPT;
  out[p + 3] = udpSize >> 8;
  out[p + 4] = udpSize & 0xff;
  out[p + 5] = (extendedRcode >> 4) & 0xff;
  out[p + 6] = 0;
  out[p + 7] = 0;
  out[p + 8] = 0;
  out[p + 9] = 0;
  out[p + 10] = 0;
}

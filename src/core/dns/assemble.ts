/**
 * The cached form of an answer and its assembly into a message. A cached answer holds
 * encoded record chunks; each query only picks which answer records go in (the
 * shuffle, the sample of eight, the weighted pick), patches the id and copies bytes.
 */
import type { Random } from '../gossip/types.js';
import { shufflePrefix } from '../selection.js';
import { OPT_RECORD_BYTES, writeOpt } from './rr.js';
import type { ParsedQuery } from './wire.js';

/** Selection says how the answer records of a cached answer are picked per query. */
export type Selection =
  /** every record, in cached order */
  | 'all'
  /** every record, in a fresh random order (MULTIVALUE SRV) */
  | 'shuffle'
  /** up to MULTIVALUE_MAX records, a fresh random subset in random order (MULTIVALUE A/AAAA) */
  | 'sample'
  /** one record, picked at random in proportion to its weight (WEIGHTED) */
  | 'weighted';

/** MULTIVALUE_MAX is how many records a MULTIVALUE A or AAAA answer carries at most, as in Route 53. */
export const MULTIVALUE_MAX = 8;

/** MAX_POINTER_OFFSET is the highest offset a 14-bit compression pointer can reach. */
const MAX_POINTER_OFFSET = 0x3fff;

/** AnswerItem is one answer record with the additional records that go with it. */
export interface AnswerItem {
  /** rr is the complete encoded answer record. */
  rr: Buffer;
  /** extraTails are additional records without their owner name: type, class, TTL, RDATA. */
  extraTails: Buffer[];
  /** targetAt is where in `rr` the name the extras belong to starts; their owner points there. */
  targetAt: number;
  /** fallbackOwner is the extras' owner name for when `rr` lands past the reach of a pointer. */
  fallbackOwner: Buffer | null;
  /** weight is the relative chance of this record in a weighted pick. */
  weight: number;
}

/** CachedAnswer is everything needed to answer one (name, type), valid while its guards hold. */
export interface CachedAnswer {
  /** ns is the namespace the name falls in; rev its revision when this was built. */
  ns: string;
  rev: number;
  /** guards are registry keys of would-be nested namespaces and the record each held when this was built. */
  guards: { key: string; rec: unknown }[];
  /** checkedAt is the global registry revision at the last successful validation: unchanged means still valid. */
  checkedAt: number;
  rcode: number;
  selection: Selection;
  items: AnswerItem[];
  /** totalWeight sums the weights of `items`, for 'weighted'. */
  totalWeight: number;
  authority: Buffer[];
  /** bytes estimates the memory held, for the cache's byte budget. */
  bytes: number;
}

/** Scratch holds per-responder arrays reused across queries so that assembly allocates only the message. */
export class Scratch {
  order = new Int32Array(64);
  offsets = new Int32Array(64);
  ensure(n: number): void {
    if (this.order.length >= n) return;
    let m = this.order.length;
    while (m < n) m *= 2;
    this.order = new Int32Array(m);
    this.offsets = new Int32Array(m);
  }
}

/** pickOrder fills scratch.order with the indexes of the records to send and returns how many. */
export function pickOrder(a: CachedAnswer, random: Random, s: Scratch): number {
  const n = a.items.length;
  s.ensure(n);
  const order = s.order;
  if (a.selection === 'weighted') {
    if (n === 0) return 0;
    let r = random.next() * a.totalWeight;
    let i = 0;
    if (a.totalWeight > 0) {
      while (i < n - 1 && r >= a.items[i].weight) r -= a.items[i++].weight;
    } else {
      i = Math.floor(random.next() * n);
    }
    order[0] = i;
    return 1;
  }
  for (let i = 0; i < n; i++) order[i] = i;
  if (a.selection === 'all') return n;
  // A uniform random subset in random order: the shuffle HTTP discovery uses too.
  return shufflePrefix(order, n, a.selection === 'sample' ? MULTIVALUE_MAX : n, random);
}

/** HeaderBits are the flags that do not come from the cached answer. */
export interface HeaderBits {
  authoritative: boolean;
  recursionAvailable: boolean;
  /** udpSize is the payload size advertised in our OPT record. */
  udpSize: number;
}

/**
 * assemble writes the answer to query `q` (raw bytes `query`) into a fresh buffer of
 * at most `limit` bytes. Whole records only: if the answer section does not fit, it
 * sets TC and sends as many answer records as fit (RFC 2181 §9); additional records
 * that do not fit are left out without TC, since the client can ask for them.
 */
export function assemble(
  query: Uint8Array,
  q: ParsedQuery,
  a: CachedAnswer,
  limit: number,
  random: Random,
  bits: HeaderBits,
  s: Scratch,
): Buffer {
  const k = pickOrder(a, random, s);
  const order = s.order;
  const offsets = s.offsets;
  const items = a.items;
  const optBytes = q.hasEdns ? OPT_RECORD_BYTES : 0;
  let size = q.questionEnd + optBytes;
  let tc = false;
  let an = 0;
  for (; an < k; an++) {
    const len = items[order[an]].rr.length;
    if (size + len > limit) {
      tc = true;
      break;
    }
    offsets[an] = size - optBytes;
    size += len;
  }
  let ns = 0;
  if (!tc) {
    let authBytes = 0;
    for (const r of a.authority) authBytes += r.length;
    if (size + authBytes > limit) tc = true;
    else {
      ns = a.authority.length;
      size += authBytes;
    }
  }
  // Additional records, in answer order, until one does not fit.
  let ar = 0;
  let extrasDoneAt = 0;
  if (!tc) {
    outer: for (; extrasDoneAt < an; extrasDoneAt++) {
      const it = items[order[extrasDoneAt]];
      if (it.extraTails.length === 0) continue;
      const ownerLen = offsets[extrasDoneAt] + it.targetAt <= MAX_POINTER_OFFSET ? 2 : it.fallbackOwner!.length;
      for (const tail of it.extraTails) {
        if (size + ownerLen + tail.length > limit) break outer;
        size += ownerLen + tail.length;
        ar++;
      }
    }
  }
  const out = Buffer.allocUnsafe(size);
  out[0] = query[0];
  out[1] = query[1];
  out[2] = 0x80 | (bits.authoritative ? 0x04 : 0) | (tc ? 0x02 : 0) | (query[2] & 0x01);
  out[3] = (bits.recursionAvailable ? 0x80 : 0) | (a.rcode & 0xf);
  out[4] = 0;
  out[5] = 1;
  out[6] = an >> 8;
  out[7] = an & 0xff;
  out[8] = ns >> 8;
  out[9] = ns & 0xff;
  const arTotal = ar + (q.hasEdns ? 1 : 0);
  out[10] = arTotal >> 8;
  out[11] = arTotal & 0xff;
  // The question as the client wrote it (its letter case echoed); a loop, so no view is allocated.
  const qEnd = q.questionEnd;
  for (let i = 12; i < qEnd; i++) out[i] = query[i];
  let p = qEnd;
  for (let i = 0; i < an; i++) {
    const rr = items[order[i]].rr;
    out.set(rr, p);
    p += rr.length;
  }
  for (let i = 0; i < ns; i++) {
    out.set(a.authority[i], p);
    p += a.authority[i].length;
  }
  let left = ar;
  for (let i = 0; i < an && left > 0; i++) {
    const it = items[order[i]];
    if (it.extraTails.length === 0) continue;
    const target = offsets[i] + it.targetAt;
    for (const tail of it.extraTails) {
      if (left === 0) break;
      if (target <= MAX_POINTER_OFFSET) {
        out[p] = 0xc0 | (target >> 8);
        out[p + 1] = target & 0xff;
        p += 2;
      } else {
        out.set(it.fallbackOwner!, p);
        p += it.fallbackOwner!.length;
      }
      out.set(tail, p);
      p += tail.length;
      left--;
    }
  }
  if (q.hasEdns) writeOpt(out, p, bits.udpSize, a.rcode);
  return out;
}

/** bareResponse answers with the question echoed and no records (REFUSED, BADVERS, a forwarder's SERVFAIL). */
export function bareResponse(query: Uint8Array, q: ParsedQuery, rcode: number, bits: HeaderBits): Buffer {
  const optBytes = q.hasEdns || rcode > 15 ? OPT_RECORD_BYTES : 0;
  const out = Buffer.alloc(q.questionEnd + optBytes);
  out[0] = query[0];
  out[1] = query[1];
  out[2] = 0x80 | (bits.authoritative ? 0x04 : 0) | (query[2] & 0x01);
  out[3] = (bits.recursionAvailable ? 0x80 : 0) | (rcode & 0xf);
  out[5] = 1;
  out[11] = optBytes ? 1 : 0;
  out.set(query.subarray(12, q.questionEnd), 12);
  if (optBytes) writeOpt(out, q.questionEnd, bits.udpSize, rcode);
  return out;
}

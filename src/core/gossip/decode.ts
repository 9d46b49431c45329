/**
 * Decoders of the engine's wire messages, one per type. A decoder takes what the
 * transport handed over (unknown: nothing a peer sends is trusted) and returns the
 * typed message or a typed MsgDecodeError: the type, the version, every field's
 * type and bounds (strings, array lengths, safe integers) are checked, and only
 * known fields are copied. Records are checked one by one (replication/validate.ts):
 * an invalid one is dropped and counted while the rest of the batch still applies.
 */
import { isIncarnation, MAX_INCARNATION } from '../membership/incarnation.js';
import { isSeq, isShortString, MAX_NAME_CHARS, MAX_TUPLES_PER_MESSAGE, parseTuples, type MemberTuple } from '../membership/messages.js';
import type { Rec } from '../records.js';
import { MAX_CHUNKS_PER_EXCHANGE, MAX_DIGEST_ORIGINS } from '../replication/anti-entropy.js';
import { MAX_RECORDS_PER_CHUNK } from '../replication/chunks.js';
import { validateRecord } from '../replication/validate.js';
import { FIELD_WORDS, MSG_VERSION, type Counts, type GossipMsg, type GossipMsgType, type Piggyback } from './messages.js';

/** MsgDecodeErrorCode says why a message was refused: not a message at all, a type or version this build does not know, or a bad field. */
export type MsgDecodeErrorCode = 'not_a_message' | 'unknown_type' | 'unsupported_version' | 'bad_field';

/** MsgDecodeError is a refused incoming message, with a stable code and the field (wire name and word) at fault. */
export class MsgDecodeError extends Error {
  constructor(
    readonly code: MsgDecodeErrorCode,
    /** msgType is the message's `t`, cut short, or '' when it had none. */
    readonly msgType: string,
    /** field is the wire field at fault, '' when the message as a whole is. */
    readonly field: string,
    why: string,
  ) {
    const word = isKnownType(msgType) ? FIELD_WORDS[msgType][field] : undefined;
    super(field ? `${msgType}.${field}${word ? ` (${word})` : ''}: ${why}` : `${msgType || 'message'}: ${why}`);
    this.name = 'MsgDecodeError';
  }
}

/** DecodeResult is a decoded message (with the count of records dropped from it) or the reason it was refused. */
export type DecodeResult = { ok: true; msg: GossipMsg; invalidRecords: number } | { ok: false; error: MsgDecodeError };

/** Wire is a message map whose fields are not checked yet. */
type Wire = Record<string, unknown>;

/** Cx is the state of one decode: the type (for errors), the time (for HLC checks) and the records dropped. */
interface Cx {
  t: GossipMsgType;
  nowMs: number;
  invalidRecords: number;
}

type Decoder<T extends GossipMsgType> = (o: Wire, cx: Cx) => Extract<GossipMsg, { t: T }>;

/** DECODERS holds one decoder per message type. */
const DECODERS: { [T in GossipMsgType]: Decoder<T> } = {
  'm.join': (o, cx) => piggyback(o, cx, { t: 'm.join', n: name(o, 'n', cx), a: name(o, 'a', cx), i: incarnation(o, 'i', cx), ms: tuples(o, 'ms', cx), ...optFlag(o, 'pp', cx) }),
  'm.sync': (o, cx) => piggyback(o, cx, { t: 'm.sync', ms: tuples(o, 'ms', cx), d: flag(o, 'd', cx), ...optFlag(o, 'j', cx) }),
  'm.ping': (o, cx) => piggyback(o, cx, o.tg === undefined ? { t: 'm.ping', s: seq(o, 's', cx) } : { t: 'm.ping', s: seq(o, 's', cx), tg: name(o, 'tg', cx) }),
  'm.ack': (o, cx) => piggyback(o, cx, { t: 'm.ack', s: seq(o, 's', cx) }),
  'm.nack': (o, cx) => piggyback(o, cx, { t: 'm.nack', s: seq(o, 's', cx) }),
  'm.preq': (o, cx) => piggyback(o, cx, { t: 'm.preq', s: seq(o, 's', cx), tg: name(o, 'tg', cx), ta: addr(o, 'ta', cx) }),
  'm.upd': (o, cx) => piggyback(o, cx, { t: 'm.upd' }),
  'r.push': (o, cx) => ({ t: 'r.push', r: records(o, 'r', cx) }),
  'r.dig': (o, cx) => ({ t: 'r.dig', x: seq(o, 'x', cx), w: counts(o, 'w', cx), p: flag(o, 'p', cx) }),
  'r.data': (o, cx) => {
    const i = seq(o, 'i', cx);
    const n = seq(o, 'n', cx);
    if (n > MAX_CHUNKS_PER_EXCHANGE) bad(cx, 'n', `must be at most ${MAX_CHUNKS_PER_EXCHANGE}`);
    if (i >= n) bad(cx, 'i', 'must be below the chunk count');
    const m: Extract<GossipMsg, { t: 'r.data' }> = { t: 'r.data', x: seq(o, 'x', cx), i, n, r: records(o, 'r', cx), ...optFlag(o, 'f', cx) };
    if (o.w !== undefined) m.w = counts(o, 'w', cx);
    if (o.fl !== undefined) m.fl = counts(o, 'fl', cx);
    return m;
  },
};

function isKnownType(t: string): t is GossipMsgType {
  return  Object.hasOwn(DECODERS, t);
}

/**
 * decodeMsg checks one message from the wire; nowMs bounds the HLCs of the records
 * it carries. It never throws: a bad message comes back as {ok: false, error}.
 */
export function decodeMsg(raw: unknown, nowMs: number): DecodeResult {
  if (!isWire(raw)) return fail('not_a_message', '', '', 'must be a map');
  const t = raw.t;
  if (typeof t !== 'string') return fail('not_a_message', '', 't', 'must be a string');
  if (!isKnownType(t)) return fail('unknown_type', t.slice(0, 32), '', 'unknown message type');
  const v = raw.v;
  if (v !== undefined && (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)) return fail('bad_field', t, 'v', 'must be a positive integer');
  if (v !== undefined && v > MSG_VERSION) return fail('unsupported_version', t, 'v', `version ${v} is newer than ${MSG_VERSION}`);
  const cx: Cx = { t, nowMs, invalidRecords: 0 };
  try {
    // DECODERS[t] is typed for the union of all types here; each entry returns its own type.
    const decode: (o: Wire, cx: Cx) => GossipMsg = DECODERS[t];
    return { ok: true, msg: decode(raw, cx), invalidRecords: cx.invalidRecords };
  } catch (e) {
    if (e instanceof MsgDecodeError) return { ok: false, error: e };
    throw e;
  }
}

function fail(code: MsgDecodeErrorCode, t: string, field: string, why: string): DecodeResult {
  return { ok: false, error: new MsgDecodeError(code, t, field, why) };
}

function bad(cx: Cx, field: string, why: string): never {
  throw new MsgDecodeError('bad_field', cx.t, field, why);
}

function isWire(v: unknown): v is Wire {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function piggyback<M extends { t: GossipMsgType } & Piggyback>(o: Wire, cx: Cx, m: M): M {
  if (o.u !== undefined) m.u = tuples(o, 'u', cx);
  if (o.rr !== undefined) m.rr = records(o, 'rr', cx);
  return m;
}

function name(o: Wire, k: string, cx: Cx): string {
  const v = o[k];
  return isShortString(v) ? v : bad(cx, k, `must be a string of 1 to ${MAX_NAME_CHARS} characters`);
}

function addr(o: Wire, k: string, cx: Cx): string {
  const v = o[k];
  return typeof v === 'string' && v.length <= MAX_NAME_CHARS ? v : bad(cx, k, `must be a string of at most ${MAX_NAME_CHARS} characters`);
}

function seq(o: Wire, k: string, cx: Cx): number {
  const v = o[k];
  return isSeq(v) ? v : bad(cx, k, `must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}`);
}

function incarnation(o: Wire, k: string, cx: Cx): number {
  const v = o[k];
  return isIncarnation(v) ? v : bad(cx, k, `must be an incarnation from 0 to ${MAX_INCARNATION}`);
}

function flag(o: Wire, k: string, cx: Cx): 0 | 1 {
  const v = o[k];
  return v === 0 || v === 1 ? v : bad(cx, k, 'must be 0 or 1');
}

function optFlag<K extends string>(o: Wire, k: K, cx: Cx): { [P in K]?: 0 | 1 } {
  if (o[k] === undefined) return {};
  const out: { [P in K]?: 0 | 1 } = {};
  out[k] = flag(o, k, cx);
  return out;
}

function tuples(o: Wire, k: string, cx: Cx): MemberTuple[] {
  return parseTuples(o[k]) ?? bad(cx, k, `must be at most ${MAX_TUPLES_PER_MESSAGE} member tuples [name, addr, status 0-3, incarnation 0-${MAX_INCARNATION}, accuser?]`);
}

function records(o: Wire, k: string, cx: Cx): Rec[] {
  const v = o[k];
  if (!Array.isArray(v) || v.length > MAX_RECORDS_PER_CHUNK) bad(cx, k, `must be a list of at most ${MAX_RECORDS_PER_CHUNK} records`);
  const out: Rec[] = [];
  for (const x of v) {
    const r = validateRecord(x, cx.nowMs);
    if (r) out.push(r);
    else cx.invalidRecords++;
  }
  return out;
}

function counts(o: Wire, k: string, cx: Cx): Counts {
  const v = o[k];
  if (!isWire(v)) bad(cx, k, 'must be a map of origin to sequence number');
  const out: Counts = {};
  let n = 0;
  for (const origin in v) {
    if (++n > MAX_DIGEST_ORIGINS) bad(cx, k, `must hold at most ${MAX_DIGEST_ORIGINS} origins`);
    // '__proto__' would set the copy's prototype instead of a field; no node has that name.
    if (!isShortString(origin) || origin === '__proto__') bad(cx, k, 'origins must be node names');
    const x = v[origin];
    if (!isSeq(x)) bad(cx, k, `sequence numbers must be integers from 0 to ${Number.MAX_SAFE_INTEGER}`);
    out[origin] = x;
  }
  return out;
}

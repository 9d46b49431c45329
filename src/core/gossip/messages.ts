/**
 * The gossip engine's wire messages: one discriminated union on `t`, one type per
 * message, one decoder per type (decode.ts). Frames are on the hot path, so fields
 * keep their short wire names; FIELD_WORDS below is the one table that says what each
 * short name means, and decode errors name fields by it.
 *
 * VERSIONING: a message may carry `v`, the version of its shape. It is omitted at
 * version 1 (every message of this build), so older peers, which never write it,
 * are understood as they are. A change of shape bumps MSG_VERSION and writes `v` on
 * the changed messages; the decoders keep accepting the older shapes, and refuse a
 * `v` above MSG_VERSION cleanly (a typed 'unsupported_version' error, counted and
 * dropped) instead of guessing at a future shape.
 */
import type { MemberTuple } from '../membership/messages.js';
import type { Rec } from '../records.js';

/** MSG_VERSION is the newest message shape version this build decodes and the one it writes. */
export const MSG_VERSION = 1;

/** Piggyback holds what may ride on any membership message: member updates (`u`) and rumoured records (`rr`). */
export type Piggyback = { u?: MemberTuple[]; rr?: Rec[] };

/** JoinMsg (m.join) is the first message to a peer dialled by address: who I am and my view of the members. */
export type JoinMsg = { t: 'm.join'; n: string; a: string; i: number; ms: MemberTuple[]; pp?: 0 | 1 } & Piggyback;
/** SyncMsg (m.sync) carries member state in reply to a join, chunked; d=1 on the last chunk, j=1 when it answers a real join. */
export type SyncMsg = { t: 'm.sync'; ms: MemberTuple[]; d: 0 | 1; j?: 0 | 1 } & Piggyback;
/** PingMsg (m.ping) is a SWIM probe; `tg` names the target so a misrouted ping is ignored. */
export type PingMsg = { t: 'm.ping'; s: number; tg?: string } & Piggyback;
/** AckMsg (m.ack) answers a ping, directly or relayed. */
export type AckMsg = { t: 'm.ack'; s: number } & Piggyback;
/** NackMsg (m.nack) says a relay could not reach the target (Lifeguard §4.1). */
export type NackMsg = { t: 'm.nack'; s: number } & Piggyback;
/** PingReqMsg (m.preq) asks a peer to probe `tg` at `ta` on the sender's behalf (SWIM §3.1). */
export type PingReqMsg = { t: 'm.preq'; s: number; tg: string; ta: string } & Piggyback;
/** UpdateMsg (m.upd) carries member updates only (graceful leave, refutation). */
export type UpdateMsg = { t: 'm.upd' } & Piggyback;

/** Counts maps an origin node to a sequence number (watermarks and tombstone floors). */
export type Counts = Record<string, number>;

/** PushMsg (r.push) pushes new records to a peer at once (the rumour). */
export type PushMsg = { t: 'r.push'; r: Rec[] };
/** DigestMsg (r.dig) opens push-pull anti-entropy: the sender's watermarks; p=1 asks for a digest back. */
export type DigestMsg = { t: 'r.dig'; x: number; w: Counts; p: 0 | 1 };
/** DataMsg (r.data) is one chunk of the answer to a digest; the last chunk carries the sender's watermarks (and floors, for a snapshot). */
export type DataMsg = { t: 'r.data'; x: number; i: number; n: number; r: Rec[]; f?: 0 | 1; w?: Counts; fl?: Counts };

/** MembershipMsg is any m.* message. */
export type MembershipMsg = JoinMsg | SyncMsg | PingMsg | AckMsg | NackMsg | PingReqMsg | UpdateMsg;
/** ReplicationMsg is any r.* message. */
export type ReplicationMsg = PushMsg | DigestMsg | DataMsg;
/** GossipMsg is any engine message, discriminated by `t`. */
export type GossipMsg = MembershipMsg | ReplicationMsg;
/** GossipMsgType lists the message types. */
export type GossipMsgType = GossipMsg['t'];

/**
 * FIELD_WORDS is the one table of wire field names: for each message type, what each
 * short field means. Member tuples are [name, addr, status code, incarnation, accuser?];
 * records are {key, value, hlc, node, seq, deletedAtMs?}. Envelope fields on every
 * message: t = type, v = shape version (omitted at 1).
 */
export const FIELD_WORDS: { readonly [T in GossipMsgType]: Readonly<Record<string, string>> } = {
  'm.join': { n: 'name', a: 'addr', i: 'incarnation', ms: 'members', pp: 'pushPull', u: 'updates', rr: 'rumouredRecords' },
  'm.sync': { ms: 'members', d: 'done', j: 'joined', u: 'updates', rr: 'rumouredRecords' },
  'm.ping': { s: 'seq', tg: 'target', u: 'updates', rr: 'rumouredRecords' },
  'm.ack': { s: 'seq', u: 'updates', rr: 'rumouredRecords' },
  'm.nack': { s: 'seq', u: 'updates', rr: 'rumouredRecords' },
  'm.preq': { s: 'seq', tg: 'target', ta: 'targetAddr', u: 'updates', rr: 'rumouredRecords' },
  'm.upd': { u: 'updates', rr: 'rumouredRecords' },
  'r.push': { r: 'records' },
  'r.dig': { x: 'exchangeId', w: 'watermarks', p: 'pullBack' },
  'r.data': { x: 'exchangeId', i: 'chunkIndex', n: 'chunkCount', r: 'records', f: 'fullSnapshot', w: 'watermarks', fl: 'floors' },
};

/** isMembershipMsg reports whether a decoded message is for membership. */
export function isMembershipMsg(m: GossipMsg): m is MembershipMsg {
  return m.t.startsWith('m.');
}

/** PIGGYBACK_TYPES are the membership messages the engine adds rumoured records (`rr`) to. */
export const PIGGYBACK_TYPES: ReadonlySet<GossipMsgType> = new Set<GossipMsgType>(['m.ping', 'm.ack', 'm.preq']);

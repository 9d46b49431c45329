import type { MemberStatus } from '../types.js';

/**
 * Wire shapes of the membership messages (all plain objects with a `t`, msgpack-able):
 *  - m.join {n, a, i, ms?}  first message to a peer dialled by address: who I am, my view
 *  - m.sync {ms, d}         member state in reply to a join (chunked; d=1 on the last chunk)
 *  - m.ping {s, tg, u?}     SWIM probe; tg is the target's name so a misrouted ping is ignored
 *  - m.ack  {s, u?}         answer to a ping, direct or relayed
 *  - m.nack {s}             relay could not reach the target (Lifeguard §4.1)
 *  - m.preq {s, tg, ta, u?} ping-req: probe tg at ta for me (SWIM §3.1)
 *  - m.upd  {u}             updates only (graceful leave, refutation after a sync)
 * `u` piggybacks member updates (MemberTuple[]); the engine may add `rr`, rumoured records.
 */

/** MemberTuple is one member update on the wire: [name, addr, status code, incarnation, accuser]. */
export type MemberTuple = [name: string, addr: string, status: number, inc: number, from?: string];

/** STATUS_CODES maps a member status to its wire code. */
export const STATUS_CODES: Record<MemberStatus, number> = { alive: 0, suspect: 1, dead: 2, left: 3 };
const STATUS_BY_CODE: MemberStatus[] = ['alive', 'suspect', 'dead', 'left'];

/** MAX_NAME_CHARS bounds node names and addresses taken from the wire. */
export const MAX_NAME_CHARS = 256;
/** MAX_TUPLES_PER_MESSAGE bounds member tuples in one message (sync chunks and piggybacks). */
export const MAX_TUPLES_PER_MESSAGE = 1000;

/** statusOfCode returns the status for a wire code, or undefined for a bad one. */
export function statusOfCode(code: unknown): MemberStatus | undefined {
  return typeof code === 'number' ? STATUS_BY_CODE[code] : undefined;
}

/** isShortString reports whether a wire value is a non-empty string within MAX_NAME_CHARS. */
export function isShortString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_NAME_CHARS;
}

/** isSeq reports whether a wire value is a usable sequence or incarnation number. */
export function isSeq(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** parseTuples validates a list of member tuples from the wire; it returns undefined if anything is malformed. */
export function parseTuples(v: unknown): MemberTuple[] | undefined {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length > MAX_TUPLES_PER_MESSAGE) return undefined;
  for (const t of v) {
    if (!Array.isArray(t) || t.length < 4 || t.length > 5) return undefined;
    if (!isShortString(t[0]) || typeof t[1] !== 'string' || t[1].length > MAX_NAME_CHARS) return undefined;
    if (statusOfCode(t[2]) === undefined || !isSeq(t[3])) return undefined;
    if (t.length === 5 && t[4] !== undefined && !isShortString(t[4])) return undefined;
  }
  return v as MemberTuple[];
}

import type { MemberStatus } from '../types.js';
import { isIncarnation } from './incarnation.js';

/**
 * Member tuples and status codes: the pieces membership messages are made of. The
 * messages themselves are typed in src/core/gossip/messages.ts and decoded, with
 * these helpers, in src/core/gossip/decode.ts.
 */

/** MemberTuple is one member update on the wire: [name, addr, status code, incarnation (at most MAX_INCARNATION), accuser]. */
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
  return typeof code === 'number' && Number.isInteger(code) ? STATUS_BY_CODE[code] : undefined;
}

/** isShortString reports whether a wire value is a non-empty string within MAX_NAME_CHARS. */
export function isShortString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_NAME_CHARS;
}

/** isSeq reports whether a wire value is a usable sequence or incarnation number. */
export function isSeq(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** parseTuple checks one member tuple from the wire and returns a clean copy, or undefined if it is malformed. */
export function parseTuple(t: unknown): MemberTuple | undefined {
  if (!Array.isArray(t) || t.length < 4 || t.length > 5) return undefined;
  const [name, addr, code, inc, from] = t;
  if (!isShortString(name) || typeof addr !== 'string' || addr.length > MAX_NAME_CHARS) return undefined;
  if (typeof code !== 'number' || statusOfCode(code) === undefined || !isIncarnation(inc)) return undefined;
  if (from === undefined || from === null) return [name, addr, code, inc];
  return isShortString(from) ? [name, addr, code, inc, from] : undefined;
}

/** parseTuples checks a list of member tuples from the wire (absent means none); it returns undefined if anything is malformed. */
export function parseTuples(v: unknown): MemberTuple[] | undefined {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length > MAX_TUPLES_PER_MESSAGE) return undefined;
  const out: MemberTuple[] = [];
  for (const x of v) {
    const t = parseTuple(x);
    if (!t) return undefined;
    out.push(t);
  }
  return out;
}

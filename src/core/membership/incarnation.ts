/**
 * Bounds on incarnation numbers taken from the wire. Only a member itself raises its
 * incarnation, by one per restart or refutation (SWIM §4.2), so a real incarnation is
 * small and grows slowly. Two rules follow, and together they keep every claim about a
 * member refutable by that member:
 * - a ceiling, MAX_INCARNATION, far below 2^53: a refutation is the claim plus one, and
 *   must still be a safe integer that every peer accepts (a claim at 2^53 - 1 could
 *   otherwise never be refuted: its refutation would not survive the decoder);
 * - a window, MAX_INCARNATION_JUMP: a claim may not run further ahead of the
 *   incarnation this node knows (0 for a member it does not know) than a member could
 *   legitimately have moved. Each accepted claim can push a member's incarnation up by
 *   at most the window, so reaching the ceiling takes 2^28 forged messages, not one.
 */

/** MAX_INCARNATION is the highest incarnation accepted from the wire (2^48, well inside the safe integers). */
export const MAX_INCARNATION = 2 ** 48;

/** MAX_INCARNATION_JUMP is how far (2^20) a claimed incarnation may run ahead of the one this node knows for that member. */
export const MAX_INCARNATION_JUMP = 2 ** 20;

/** isIncarnation reports whether a wire value is an integer from 0 to MAX_INCARNATION. */
export function isIncarnation(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= MAX_INCARNATION;
}

/**
 * plausibleIncarnation reports whether a claim at `claimed` about a member known here at
 * `known` (undefined: not known) may be applied: below the ceiling, so that its
 * refutation (claimed + 1) is still accepted, and at most MAX_INCARNATION_JUMP ahead.
 */
export function plausibleIncarnation(known: number | undefined, claimed: number): boolean {
  return claimed < MAX_INCARNATION && claimed <= (known ?? 0) + MAX_INCARNATION_JUMP;
}

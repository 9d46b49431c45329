/**
 * Reconnect backoff: exponential from baseMs, capped at maxMs, with "equal jitter"
 * (half fixed, half random) so that a cluster restarted at once does not redial in
 * lockstep, while a quick restart of one peer is still retried within ~baseMs.
 */

/** BackoffPolicy bounds the delay between failed dials to one peer. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/** DEFAULT_BACKOFF redials fast at first (a restarting daemon is back in well under a second) and at most every 2 s. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 50, maxMs: 2_000 };

/** backoffDelayMs returns the wait before dial attempt number `failures` + 1; `rnd` is in [0, 1). */
export function backoffDelayMs(failures: number, policy: BackoffPolicy, rnd: number): number {
  if (failures <= 0) return 0;
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(exp / 2 + (exp / 2) * rnd);
}

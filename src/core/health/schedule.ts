/**
 * Check scheduling arithmetic. Start times are jittered so that a daemon restarting
 * with thousands of instances, or a burst of registrations, does not fire every
 * check in the same millisecond. Randomness is injected (Random) to keep this pure.
 */
import type { Random } from '../gossip/types.js';

/** PERIOD_JITTER_FRACTION is how much shorter than intervalMs a period may randomly be. */
export const PERIOD_JITTER_FRACTION = 0.1;

/**
 * firstCheckDelayMs is the delay before an instance's first check. A newly registered
 * instance is checked at once (the issue asks for it); instances found at start-up
 * are spread uniformly over one interval.
 */
export function firstCheckDelayMs(intervalMs: number, spread: boolean, random: Random): number {
  return spread ? Math.floor(random.next() * intervalMs) : 0;
}

/**
 * nextCheckDelayMs is the delay from the start of one check to the next. Periods are
 * jittered only downwards, so a failure is still detected within
 * failureThreshold × intervalMs, while neighbours registered together drift apart.
 */
export function nextCheckDelayMs(intervalMs: number, random: Random): number {
  return intervalMs - Math.floor(random.next() * intervalMs * PERIOD_JITTER_FRACTION);
}

/**
 * delayUntilMs is how long to wait from nowMs until dueMs, never negative, so that
 * overdue work (a drain deadline passed while the daemon was down) runs at once.
 */
export function delayUntilMs(dueMs: number, nowMs: number): number {
  return Math.max(0, dueMs - nowMs);
}

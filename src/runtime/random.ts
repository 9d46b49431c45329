import type { Random } from '../core/gossip/types.js';

/**
 * systemRandom is the daemon's Random adapter: the one place in the runtime that
 * reads ambient randomness. Simulations and tests inject a seeded Random instead.
 */
export function systemRandom(): Random {
  return { next: Math.random };
}

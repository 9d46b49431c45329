import { GOSSIP_PRESETS, type GossipConfig } from '../../../../src/config/gossip.js';
import { GossipEngine } from '../../../../src/core/gossip/engine.js';
import type { GossipMsg, GossipMsgType } from '../../../../src/core/gossip/messages.js';
import { seededRandom, type GossipOutput, type SendEffect } from '../../../../src/core/gossip/types.js';
import { Registry } from '../../../../src/core/registry.js';

/** engineWith builds an engine named `self` that already knows `peers` as alive. */
export function engineWith(peers: string[], over: Partial<GossipConfig> = {}, now = 0): GossipEngine {
  return new GossipEngine({
    self: { name: 'self', addr: 'addr:self' },
    config: { ...GOSSIP_PRESETS.lan, ...over },
    random: seededRandom(7),
    registry: new Registry(),
    now,
    seedMembers: peers.map((p) => ({ name: p, addr: `addr:${p}` })),
  });
}

/** TypedSend is a send whose message has type T. */
export type TypedSend<T extends GossipMsgType> = SendEffect & { msg: Extract<GossipMsg, { t: T }> };

/** sends filters an output's sends by message type, typed by it. */
export function sends<T extends GossipMsgType>(out: GossipOutput, t: T): TypedSend<T>[] {
  return out.sends.filter((s): s is TypedSend<T> => s.msg.t === t);
}

/** tickUntil ticks the engine at its wake times up to `untilMs`, collecting every output. */
export function tickUntil(e: GossipEngine, fromMs: number, untilMs: number): GossipOutput[] {
  const outs: GossipOutput[] = [];
  let now = fromMs;
  for (let i = 0; i < 100_000; i++) {
    const next = Math.max(now, e.nextWakeMs());
    if (next > untilMs) break;
    now = next;
    outs.push(e.tick(now));
  }
  return outs;
}

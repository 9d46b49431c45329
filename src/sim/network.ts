import { pack, unpack } from 'msgpackr';
import type { GossipMsg, Random } from '../core/gossip/types.js';
import type { Scheduler } from './scheduler.js';

/** NetFaults are the fault rates of the simulated network; all are probabilities except the delays. */
export interface NetFaults {
  /** drop is the chance a message is lost. */
  drop: number;
  /** duplicate is the chance a message is delivered twice. */
  duplicate: number;
  /** minDelayMs and maxDelayMs bound the uniform one-way delay; a wide range reorders messages. */
  minDelayMs: number;
  maxDelayMs: number;
}

/** PERFECT_LAN is a fault-free network with LAN-like delays (0.2 to 1 ms). */
export const PERFECT_LAN: NetFaults = { drop: 0, duplicate: 0, minDelayMs: 0.2, maxDelayMs: 1 };

/** NetStats count what the network carried. */
export interface NetStats {
  sent: number;
  delivered: number;
  dropped: number;
  bytes: number;
}

/**
 * SimNetwork is the seeded fake network (memberlist's MockNetwork, with faults): it
 * delivers messages through the scheduler after a random delay, and can drop,
 * duplicate, reorder and partition them. With `codec` on, every message goes
 * through msgpack as on the wire, so nothing unencodable slips through, and its
 * size is counted.
 */
export class SimNetwork {
  faults: NetFaults;
  readonly stats: NetStats = { sent: 0, delivered: 0, dropped: 0, bytes: 0 };
  private group = new Map<string, number>();
  /** lagMs adds a delay to everything a node receives: an overloaded node whose event loop lags behind its socket. */
  readonly lagMs = new Map<string, number>();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly random: Random,
    faults: NetFaults,
    private readonly codec: 'msgpack' | 'size' | 'none',
    private readonly deliver: (from: string, to: string, msg: GossipMsg) => void | Promise<void>,
  ) {
    this.faults = faults;
  }

  /** partition splits nodes into groups that cannot reach each other; unlisted nodes form group 0. */
  partition(groups: string[][]): void {
    this.group = new Map();
    groups.forEach((g, i) => {
      for (const n of g) this.group.set(n, i + 1);
    });
  }

  /** heal removes every partition. */
  heal(): void {
    this.group = new Map();
  }

  /** reachable reports whether a message from a can reach b right now. */
  reachable(a: string, b: string): boolean {
    return (this.group.get(a) ?? 0) === (this.group.get(b) ?? 0);
  }

  /** send puts one message on the wire. */
  send(from: string, to: string, msg: GossipMsg): void {
    this.stats.sent++;
    let payload: GossipMsg = msg;
    if (this.codec !== 'none') {
      const buf = pack(msg);
      this.stats.bytes += buf.length;
      if (this.codec === 'msgpack') payload = unpack(buf) as GossipMsg;
    }
    if (!this.reachable(from, to) || this.random.next() < this.faults.drop) {
      this.stats.dropped++;
      return;
    }
    const copies = this.random.next() < this.faults.duplicate ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      const lag = this.lagMs.get(to) ?? 0;
      const delay = lag + this.faults.minDelayMs + this.random.next() * (this.faults.maxDelayMs - this.faults.minDelayMs);
      this.scheduler.at(this.scheduler.nowMs + delay, () => {
        // A partition that starts while a message is in flight cuts it too.
        if (!this.reachable(from, to)) {
          this.stats.dropped++;
          return;
        }
        this.stats.delivered++;
        return this.deliver(from, to, payload);
      });
    }
  }
}

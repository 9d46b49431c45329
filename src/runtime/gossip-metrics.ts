/**
 * Prometheus metrics of the gossip layer: transport counters (bad frames, refused
 * handshakes, dropped sends, by reason), engine counters, and members by status.
 * Tests run several daemons in one process, so the metrics are registered once per
 * registry and sum over every live gossip runtime at scrape time.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { GossipStats } from '../core/gossip/engine.js';
import type { MemberInfo } from '../core/membership/member-list.js';
import type { CounterName, TransportStats } from '../transport/metrics.js';

/** GossipMetricsSource is what the gossip metrics read of a running gossip layer. */
export interface GossipMetricsSource {
  transport: { stats: TransportStats; connectedPeers(): string[]; queuedFrames(): number };
  engine: { members(): MemberInfo[]; stats(): GossipStats };
}

const live = new Set<GossipMetricsSource>();
const registered = new WeakSet<Registry>();

const LABELLED: CounterName[] = ['bad_frames', 'handshake_refused', 'send_dropped'];
const PLAIN: CounterName[] = ['frames_in', 'frames_out', 'bytes_in', 'bytes_out', 'dials', 'dial_failures', 'links_opened', 'links_closed'];

/** registerGossipMetrics adds a runtime to the metrics of a registry (registering them the first time). */
export function registerGossipMetrics(register: Registry, rt: GossipMetricsSource): void {
  live.add(rt);
  if (registered.has(register)) return;
  registered.add(register);
  for (const name of LABELLED) {
    new Counter({
      name: `grapevine_gossip_${name}_total`,
      help: `Gossip transport ${name.replace(/_/g, ' ')}, by reason.`,
      labelNames: ['reason'],
      registers: [register],
      collect() {
        this.reset();
        for (const r of live) for (const [label, v] of r.transport.stats.entries(name)) this.inc({ reason: label || 'unknown' }, v);
      },
    });
  }
  for (const name of PLAIN) {
    new Counter({
      name: `grapevine_gossip_${name}_total`,
      help: `Gossip transport ${name.replace(/_/g, ' ')}.`,
      registers: [register],
      collect() {
        this.reset();
        let s = 0;
        for (const r of live) s += r.transport.stats.get(name);
        this.inc(s);
      },
    });
  }
  new Gauge({
    name: 'grapevine_gossip_open_links',
    help: 'Open, handshaken gossip links.',
    registers: [register],
    collect() {
      let s = 0;
      for (const r of live) s += r.transport.connectedPeers().length;
      this.set(s);
    },
  });
  new Gauge({
    name: 'grapevine_gossip_queued_frames',
    help: 'Gossip frames waiting in per-peer send queues.',
    registers: [register],
    collect() {
      let s = 0;
      for (const r of live) s += r.transport.queuedFrames();
      this.set(s);
    },
  });
  new Gauge({
    name: 'grapevine_gossip_members',
    help: 'Cluster members known to this node, by SWIM status (this node included).',
    labelNames: ['status'],
    registers: [register],
    collect() {
      this.reset();
      for (const r of live) for (const m of r.engine.members()) this.inc({ status: m.status });
    },
  });
  new Gauge({
    name: 'grapevine_gossip_engine',
    help: 'Gossip engine counters (bad messages, refutations, suspicions, deaths declared, full transfers...).',
    labelNames: ['counter'],
    registers: [register],
    collect() {
      this.reset();
      for (const r of live) for (const [k, v] of Object.entries(r.engine.stats())) this.inc({ counter: k }, v);
    },
  });
}

/** unregisterGossipRuntime stops counting a runtime that has stopped. */
export function unregisterGossipRuntime(rt: GossipMetricsSource): void {
  live.delete(rt);
}

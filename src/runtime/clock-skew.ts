/**
 * The runtime side of clock skew: every second it feeds the transport's per-peer
 * clock offsets into the pure ClockSkewMonitor, logs each change of verdict once
 * (naming the node and its skew), keeps a gauge current, and answers the write guard,
 * `members` and `/v1/status`.
 */
import { ClockSkewMonitor, type MemberSkew } from '../core/membership/clock-skew.js';
import type { Logger } from '../obs/logger.js';
import { gauge } from '../obs/metrics.js';
import type { Clock, TimerHandle } from './clock.js';

/** CLOCK_SKEW_CHECK_INTERVAL_MS is how often the offsets are folded into a verdict. */
export const CLOCK_SKEW_CHECK_INTERVAL_MS = 1_000;

/** ClockSkewStatus is what `/v1/status` shows about this node's clock. */
export interface ClockSkewStatus {
  /** skewMs is this node's clock minus the cluster's (median of the peers, this node included). */
  skewMs: number;
  /** skewed is true while |skewMs| > maxClockSkewMs: writes are then refused with ClockSkew. */
  skewed: boolean;
  maxClockSkewMs: number;
  /** peersMeasured counts the peers whose clocks went into the estimate. */
  peersMeasured: number;
}

/** ClockSkewApi is what the HTTP routes and the write guard need. */
export interface ClockSkewApi {
  /** status describes this node's clock against the cluster. */
  status(): ClockSkewStatus;
  /** memberSkew estimates one member's clock against the cluster, if measured. */
  memberSkew(name: string): MemberSkew | undefined;
  /** writeGuard throws GrapevineError('ClockSkew') while this node is too far off. */
  writeGuard(): void;
}

/** ClockSkewWatchOptions are the inputs of ClockSkewWatch. */
export interface ClockSkewWatchOptions {
  selfName: string;
  maxClockSkewMs: number;
  /** offsets returns each connected peer's clock minus ours (ms). */
  offsets(): ReadonlyMap<string, number>;
  logger: Logger;
  clock: Clock;
  intervalMs?: number;
}

/** ClockSkewWatch runs the clock skew check of one daemon; see the file comment. */
export class ClockSkewWatch implements ClockSkewApi {
  readonly monitor: ClockSkewMonitor;
  private timer?: TimerHandle;
  private stopped = false;
  private readonly skewGauge = gauge('grapevine_clock_skew_seconds', "This node's clock minus the cluster's (median of its peers' clocks), in seconds", ['node']);
  private readonly skewedGauge = gauge('grapevine_clock_skewed', '1 while this node is more than maxClockSkewMs off the cluster and refuses writes', ['node']);

  constructor(private readonly opts: ClockSkewWatchOptions) {
    this.monitor = new ClockSkewMonitor(opts.selfName, opts.maxClockSkewMs);
  }

  /** start checks now and then every intervalMs until stop. */
  start(): void {
    this.check();
  }

  /** stop ends the checks. */
  stop(): void {
    this.stopped = true;
    if (this.timer) this.opts.clock.clearTimeout(this.timer);
  }

  /** check folds the current offsets into a verdict and logs what changed. */
  check(): void {
    if (this.stopped) return;
    const changes = this.monitor.update(this.opts.offsets());
    const log = this.opts.logger;
    const limitS = Math.round(this.opts.maxClockSkewMs / 1000);
    for (const c of changes) {
      const skewS = Math.round(c.skewMs / 1000);
      const fields = { member: c.node, clockSkewMs: c.skewMs, maxClockSkewMs: this.opts.maxClockSkewMs };
      if (c.self && c.skewed) log.warn(fields, `clock of this node (${c.node}) is ${skewS} s off the cluster (limit ${limitS} s): writes are refused with ClockSkew until it is fixed`);
      else if (c.self) log.info(fields, `clock of this node (${c.node}) is back within ${limitS} s of the cluster: writes accepted again`);
      else if (c.skewed) log.warn(fields, `clock of member ${c.node} is ${skewS} s off the cluster (limit ${limitS} s)`);
      else log.info(fields, `clock of member ${c.node} is back within ${limitS} s of the cluster`);
    }
    this.skewGauge.set({ node: this.opts.selfName }, this.monitor.skewMs / 1000);
    this.skewedGauge.set({ node: this.opts.selfName }, this.monitor.skewed ? 1 : 0);
    this.timer = this.opts.clock.setTimeout(() => this.check(), this.opts.intervalMs ?? CLOCK_SKEW_CHECK_INTERVAL_MS);
  }

  status(): ClockSkewStatus {
    return { skewMs: this.monitor.skewMs, skewed: this.monitor.skewed, maxClockSkewMs: this.opts.maxClockSkewMs, peersMeasured: this.monitor.peerOffsets().size };
  }

  memberSkew(name: string): MemberSkew | undefined {
    return this.monitor.skewOf(name);
  }

  writeGuard(): void {
    const e = this.monitor.writeRefusal();
    if (e) throw e;
  }
}

import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * metricsRegistry is the one Prometheus registry of the process, served at
 * GET /v1/metrics. Other layers add their metrics with counter/gauge/histogram below,
 * which return the existing metric when one of that name exists (so that code which
 * starts several agents in one process, as tests do, does not trip over duplicates).
 */
export const metricsRegistry = new Registry();
let defaultsOn = false;

/**
 * EVENT_LOOP_SAMPLE_MS is how often the event-loop delay is sampled. prom-client's
 * default samples every 10 ms with a repeating timer that wakes the process at that
 * rate: it alone cost 0.76% of a core in an idle process here, about a quarter of an
 * idle daemon's CPU; at 100 ms it costs 0.11%.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/** The event-loop gauges prom-client derives from its monitorEventLoopDelay histogram, which this module replaces. */
const ELD_GAUGES: [suffix: string, help: string, read: (h: IntervalHistogram) => number, spread?: true][] = [
  ['min', 'The minimum recorded event loop delay.', (h) => h.min],
  ['max', 'The maximum recorded event loop delay.', (h) => h.max],
  ['mean', 'The mean of the recorded event loop delays.', (h) => h.mean],
  // A spread, not a position: the sampling period does not shift it.
  ['stddev', 'The standard deviation of the recorded event loop delays.', (h) => h.stddev, true],
  ['p50', 'The 50th percentile of the recorded event loop delays.', (h) => h.percentile(50)],
  ['p90', 'The 90th percentile of the recorded event loop delays.', (h) => h.percentile(90)],
  ['p99', 'The 99th percentile of the recorded event loop delays.', (h) => h.percentile(99)],
];

/**
 * enableDefaultMetrics adds process metrics (CPU, RSS, event-loop delay) once per
 * process. The event-loop gauges (grapevine_nodejs_eventloop_lag_{min,max,mean,stddev,
 * p50,p90,p99}_seconds) keep prom-client's names but are fed by this module's own
 * histogram, sampled every EVENT_LOOP_SAMPLE_MS, and report the delay itself: Node's
 * histogram records the interval between samples (the sampling period plus the delay),
 * which prom-client passes on as is. Every scrape starts a new window.
 */
export function enableDefaultMetrics(): void {
  if (defaultsOn) return;
  defaultsOn = true;
  // prom-client's own histogram can only be slowed down, not turned off; its gauges are replaced below.
  collectDefaultMetrics({ register: metricsRegistry, prefix: 'grapevine_', eventLoopMonitoringPrecision: 1_000 });
  const h = monitorEventLoopDelay({ resolution: EVENT_LOOP_SAMPLE_MS });
  h.enable();
  const periodNs = EVENT_LOOP_SAMPLE_MS * 1e6;
  const seconds = (ns: number, spread?: true) => (Number.isFinite(ns) ? Math.max(0, spread ? ns : ns - periodNs) / 1e9 : 0);
  const gauges: [Gauge, (h: IntervalHistogram) => number, true | undefined][] = [];
  // One collect (on the first gauge, scraped first) sets every gauge from the same window, then starts the next one.
  const collect = () => {
    if (h.count > 0) for (const [g, read, spread] of gauges) g.set(seconds(read(h), spread));
    h.reset();
  };
  for (const [suffix, help, read, spread] of ELD_GAUGES) {
    const name = `grapevine_nodejs_eventloop_lag_${suffix}_seconds`;
    metricsRegistry.removeSingleMetric(name);
    const g = new Gauge({ name, help: `${help} Delay past the timer's due time, sampled every ${EVENT_LOOP_SAMPLE_MS} ms, in seconds.`, registers: [metricsRegistry], ...(gauges.length === 0 ? { collect } : {}) });
    gauges.push([g, read, spread]);
  }
}

/** counter gets or creates a counter in metricsRegistry. */
export function counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  return (metricsRegistry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter<L>({ name, help, labelNames, registers: [metricsRegistry] });
}

/** gauge gets or creates a gauge in metricsRegistry; `collect` runs at scrape time. */
export function gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = [], collect?: (this: Gauge<L>) => void): Gauge<L> {
  const existing = metricsRegistry.getSingleMetric(name) as Gauge<L> | undefined;
  if (existing) return existing;
  return new Gauge<L>({ name, help, labelNames, registers: [metricsRegistry], ...(collect ? { collect } : {}) });
}

/** histogram gets or creates a histogram in metricsRegistry. */
export function histogram<L extends string>(name: string, help: string, labelNames: readonly L[] = [], buckets?: number[]): Histogram<L> {
  return (
    (metricsRegistry.getSingleMetric(name) as Histogram<L> | undefined) ??
    new Histogram<L>({ name, help, labelNames, registers: [metricsRegistry], ...(buckets ? { buckets } : {}) })
  );
}

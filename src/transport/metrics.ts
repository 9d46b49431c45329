/**
 * Transport counters. They are plain numbers (cheap on the hot path, readable
 * synchronously in tests); src/runtime/gossip-metrics.ts exposes them to Prometheus
 * through collect hooks at scrape time.
 */
/** CounterName lists the transport's labelled counters. */
export type CounterName =
  | 'frames_in'
  | 'frames_out'
  | 'bytes_in'
  | 'bytes_out'
  /** Incoming frames refused (label: FrameErrorReason). */
  | 'bad_frames'
  /** Handshakes refused (label: HandshakeRefusal or a FrameErrorReason seen during the handshake). */
  | 'handshake_refused'
  /** Outgoing frames dropped (label: queue_full, expired, oversize, no_route, closed). */
  | 'send_dropped'
  | 'dials'
  | 'dial_failures'
  | 'links_opened'
  | 'links_closed';

/** TransportStats counts transport events by name and label. */
export class TransportStats {
  private readonly counts = new Map<CounterName, Map<string, number>>();

  /** inc adds n to a counter, under an optional label. */
  inc(name: CounterName, label = '', n = 1): void {
    let m = this.counts.get(name);
    if (!m) this.counts.set(name, (m = new Map()));
    m.set(label, (m.get(label) ?? 0) + n);
  }

  /** get reads a counter under one label, or summed over all labels when label is omitted. */
  get(name: CounterName, label?: string): number {
    const m = this.counts.get(name);
    if (!m) return 0;
    if (label !== undefined) return m.get(label) ?? 0;
    let s = 0;
    for (const v of m.values()) s += v;
    return s;
  }

  /** snapshot returns every counter as `name{label}` -> value, for logs and JSON status. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, m] of this.counts) for (const [label, v] of m) out[label ? `${name}{${label}}` : name] = v;
    return out;
  }

  /** entries lists (label, value) pairs of one counter. */
  entries(name: CounterName): [string, number][] {
    return [...(this.counts.get(name) ?? new Map<string, number>())];
  }
}

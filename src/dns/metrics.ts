/**
 * Prometheus gauges of the DNS servers, read at scrape time. They belong to a
 * DnsMetrics object, built by whoever runs the servers (startDnsServer builds one when
 * given none) and closed with them: no module state.
 */
import { Gauge, type Registry } from 'prom-client';
import type { DnsStats } from '../core/dns/responder.js';
import { metricsRegistry } from '../obs/metrics.js';

/** DnsCounters is what DnsMetrics reads from one running server. */
export interface DnsCounters {
  stats(): DnsStats & { udpSendErrors: number; tcpConnections: number };
}

const MESSAGES = 'grapevine_dns_messages';
const TCP_CONNECTIONS = 'grapevine_dns_tcp_connections';

/**
 * DnsMetrics sums the counters of the servers it tracks into the DNS gauges of a
 * prom-client registry. Metric names are unique per registry: while another DnsMetrics
 * already reports there (several daemons in one test process), this one stays silent.
 */
export class DnsMetrics {
  private readonly servers = new Set<DnsCounters>();
  private readonly owned: string[] = [];

  constructor(private readonly registry: Registry = metricsRegistry) {
    const servers = this.servers;
    if (!registry.getSingleMetric(MESSAGES)) {
      new Gauge({
        name: MESSAGES,
        help: 'DNS messages handled since start, by outcome',
        labelNames: ['kind'],
        registers: [registry],
        collect() {
          const sum: Record<string, number> = { queries: 0, cache_hits: 0, cache_misses: 0, dropped: 0, errors: 0, udp_send_errors: 0 };
          for (const s of servers) {
            const st = s.stats();
            sum.queries! += st.queries;
            sum.cache_hits! += st.cacheHits;
            sum.cache_misses! += st.cacheMisses;
            sum.dropped! += st.dropped;
            sum.errors! += st.errors;
            sum.udp_send_errors! += st.udpSendErrors;
          }
          for (const [kind, v] of Object.entries(sum)) this.set({ kind }, v);
        },
      });
      this.owned.push(MESSAGES);
    }
    if (!registry.getSingleMetric(TCP_CONNECTIONS)) {
      new Gauge({
        name: TCP_CONNECTIONS,
        help: 'Open DNS-over-TCP connections',
        registers: [registry],
        collect() {
          let n = 0;
          for (const s of servers) n += s.stats().tcpConnections;
          this.set(n);
        },
      });
      this.owned.push(TCP_CONNECTIONS);
    }
  }

  /** track adds a running server to the sums. */
  track(server: DnsCounters): void {
    this.servers.add(server);
  }

  /** untrack takes a stopped server out of the sums. */
  untrack(server: DnsCounters): void {
    this.servers.delete(server);
  }

  /** close takes this object's gauges off the registry and forgets its servers. */
  close(): void {
    for (const name of this.owned.splice(0)) this.registry.removeSingleMetric(name);
    this.servers.clear();
  }
}

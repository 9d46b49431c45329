import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { Registry } from 'prom-client';
import { DnsMetrics, type DnsCounters } from '../../../src/dns/metrics.js';
import { startDnsServer } from '../../../src/dns/server.js';
import { encodeQuery, webWorld } from '../core/dns/fixture.js';

function fake(queries: number, tcpConnections: number): DnsCounters {
  return { stats: () => ({ queries, cacheHits: 1, cacheMisses: 2, dropped: 3, errors: 4, udpSendErrors: 5, tcpConnections }) };
}

const line = (text: string, metric: string): number | undefined => {
  const m = new RegExp(`^${metric.replace(/[{}"]/g, '\\$&')} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
};

test('DnsMetrics sums the servers it tracks, and its owner takes the gauges away on close', async () => {
  const reg = new Registry();
  const m = new DnsMetrics(reg);
  const a = fake(10, 1);
  const b = fake(32, 2);
  m.track(a);
  m.track(b);
  let text = await reg.metrics();
  assert.equal(line(text, 'grapevine_dns_messages{kind="queries"}'), 42);
  assert.equal(line(text, 'grapevine_dns_messages{kind="udp_send_errors"}'), 10);
  assert.equal(line(text, 'grapevine_dns_tcp_connections'), 3);
  m.untrack(b);
  text = await reg.metrics();
  assert.equal(line(text, 'grapevine_dns_messages{kind="queries"}'), 10);
  // A second one on the same registry (two daemons in one process) does not collide.
  const other = new DnsMetrics(reg);
  other.track(fake(1000, 0));
  other.close();
  assert.equal(line(await reg.metrics(), 'grapevine_dns_messages{kind="queries"}'), 10, 'the silent one takes nothing away');
  m.close();
  text = await reg.metrics();
  assert.equal(line(text, 'grapevine_dns_messages{kind="queries"}'), undefined);
  assert.equal(line(text, 'grapevine_dns_tcp_connections'), undefined);
});

test('a DNS server counts into the DnsMetrics it is given until it closes', async () => {
  const reg = new Registry();
  const metrics = new DnsMetrics(reg);
  const w = webWorld(2);
  const server = await startDnsServer({ registry: w.registry, host: '127.0.0.1', port: 0, metrics });
  try {
    const s = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no DNS answer')), 2000);
      s.once('message', () => {
        clearTimeout(t);
        resolve();
      });
      s.send(encodeQuery('web.prod.internal', 'A'), server.address.port, '127.0.0.1');
    }).finally(() => s.close());
    assert.equal(line(await reg.metrics(), 'grapevine_dns_messages{kind="queries"}'), 1);
  } finally {
    await server.close();
  }
  assert.equal(line(await reg.metrics(), 'grapevine_dns_messages{kind="queries"}'), 0, 'a closed server is no longer counted');
  metrics.close();
});

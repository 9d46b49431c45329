/**
 * nodeLoad is the fallback DNS load generator for when dnsperf is missing: like
 * `dnsperf -c 1 -q 100`, one UDP socket keeps up to 100 queries outstanding, cycling
 * through a "name type" query list, and reports qps and latency percentiles. It is
 * slower than dnsperf (it shares Node's per-packet cost), so its figures are a floor.
 */
import { createSocket } from 'node:dgram';
import * as packet from 'dns-packet';
import { quantile } from './lib/stats.js';

/** LoadRun matches the shape of a dnsperf run in bench/dns.ts. */
export interface LoadRun {
  qps: number;
  p50Ms: number;
  p99Ms: number;
  lost: number;
  completed: number;
}

/** nodeLoad runs for `seconds` against 127.0.0.1:port with the queries in `queryText`. */
export async function nodeLoad(port: number, queryText: string, seconds: number, outstanding = 100): Promise<LoadRun> {
  const queries = queryText
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [name, type] = l.split(' ');
      return packet.encode({ type: 'query', id: 0, flags: packet.RECURSION_DESIRED, questions: [{ name, type: type as packet.RecordType }] });
    });
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const sentAt = new Float64Array(65536);
  const lat: number[] = [];
  let next = 0;
  let id = 0;
  let inFlight = 0;
  let completed = 0;
  const deadline = performance.now() + seconds * 1000;
  return new Promise((resolve) => {
    const send = () => {
      while (inFlight < outstanding && performance.now() < deadline) {
        const q = Buffer.from(queries[next++ % queries.length]);
        id = (id + 1) & 0xffff;
        q.writeUInt16BE(id, 0);
        sentAt[id] = performance.now();
        inFlight++;
        sock.send(q, port, '127.0.0.1');
      }
    };
    sock.on('message', (m) => {
      const now = performance.now();
      const rid = m.readUInt16BE(0);
      if (sentAt[rid] > 0) {
        lat.push(now - sentAt[rid]);
        sentAt[rid] = 0;
        inFlight--;
        completed++;
      }
      if (now < deadline) send();
    });
    send();
    setTimeout(() => {
      sock.close();
      lat.sort((a, b) => a - b);
      resolve({
        qps: Math.round(completed / seconds),
        p50Ms: Math.round(quantile(lat, 0.5) * 1000) / 1000,
        p99Ms: Math.round(quantile(lat, 0.99) * 1000) / 1000,
        lost: inFlight,
        completed,
      });
    }, seconds * 1000 + 500);
  });
}

/**
 * Bad input against a real daemon: over 100,000 random and mutated UDP packets, then
 * half-open and garbage TCP streams. The daemon must not crash, must keep answering
 * well-formed queries throughout, and its memory must not grow without bound.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { promises as dnsp } from 'node:dns';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import * as packet from 'dns-packet';
import { seededRandom } from '../../src/core/gossip/types.js';
import { api, startDaemon, stopAll, type Daemon } from './helpers/daemon.js';

const NS = '/v1/namespaces/fuzz.internal';
const SEED = Number(process.env.DNS_FUZZ_SEED ?? 20261128);
const TOTAL_PACKETS = Number(process.env.DNS_FUZZ_PACKETS ?? 120_000);
const BURST = 100;

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

describe(`DNS fuzz against a real daemon (seed ${SEED})`, () => {
  let d: Daemon;
  let resolver: dnsp.Resolver;
  before(async () => {
    d = await startDaemon({ name: 'fuzz1' });
    resolver = new dnsp.Resolver({ timeout: 2000, tries: 3 });
    resolver.setServers([`127.0.0.1:${d.dnsPort}`]);
    assert.equal((await api(d, 'PUT', NS, { type: 'DNS' })).status, 201);
    assert.equal((await api(d, 'PUT', `${NS}/services/web`, { dns: { records: [{ type: 'A', ttl: 5 }, { type: 'SRV', ttl: 5 }] } })).status, 201);
    for (let i = 1; i <= 5; i++) {
      assert.equal((await api(d, 'PUT', `${NS}/services/web/instances/w${i}`, { attributes: { ipv4: `10.9.0.${i}`, port: '80', note: 'x'.repeat(100) } })).status, 201);
    }
  });
  after(async () => {
    await stopAll([d]);
  });

  async function stillAnswers(): Promise<void> {
    assert.equal(d.proc.exitCode, null, `daemon exited:\n${d.output().slice(-2000)}`);
    assert.equal((await resolver.resolve4('web.fuzz.internal')).length, 5);
  }

  test(`${TOTAL_PACKETS} random and mutated UDP packets`, async (t) => {
    const rnd = seededRandom(SEED);
    const int = (n: number) => Math.floor(rnd.next() * n);
    const types = ['A', 'AAAA', 'SRV', 'TXT', 'SOA', 'NS', 'ANY', 'MX', 'CNAME', 'AXFR', 'OPT'] as const;
    const names = ['web.fuzz.internal', '_web._tcp.fuzz.internal', 'w1.web.fuzz.internal', 'fuzz.internal', 'nope.fuzz.internal', 'example.com'];
    const seeds = names.flatMap((n) =>
      types.map((t) =>
        packet.encode({
          type: 'query',
          id: 1,
          flags: packet.RECURSION_DESIRED,
          questions: [{ type: t as packet.RecordType, name: n }],
          additionals: rnd.next() < 0.5 ? [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as unknown as packet.Answer] : [],
        }),
      ),
    );
    const make = (): Buffer => {
      const kind = int(10);
      if (kind < 3) {
        const b = Buffer.alloc(int(600));
        for (let i = 0; i < b.length; i++) b[i] = int(256);
        return b;
      }
      if (kind < 4) {
        // A header that claims many records of every kind, then random bytes.
        const b = Buffer.alloc(12 + int(100));
        for (let i = 0; i < b.length; i++) b[i] = int(256);
        b[2] &= 0x7f;
        return b;
      }
      if (kind < 5) {
        // Random names under the namespace: fills the answer cache, which must stay bounded.
        return packet.encode({ type: 'query', id: int(65536), questions: [{ type: 'A', name: `r${int(1e9)}.fuzz.internal` }] });
      }
      const b = Buffer.from(seeds[int(seeds.length)]);
      const flips = 1 + int(4);
      for (let i = 0; i < flips; i++) b[int(b.length)] = int(256);
      if (rnd.next() < 0.2) return b.subarray(0, int(b.length));
      if (rnd.next() < 0.1) return Buffer.concat([b, Buffer.alloc(int(50), int(256))]);
      return b;
    };

    const sock = createSocket('udp4');
    let answers = 0;
    sock.on('message', () => answers++);
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    try {
      let sent = 0;
      let rssBefore = 0;
      while (sent < TOTAL_PACKETS) {
        await new Promise<void>((resolve) => {
          let left = BURST;
          for (let i = 0; i < BURST; i++) {
            sock.send(make(), d.dnsPort, '127.0.0.1', () => {
              if (--left === 0) resolve();
            });
          }
        });
        sent += BURST;
        // Pace the bursts by a well-formed query, which doubles as the liveness check: the
        // daemon's socket queue is FIFO, so once it is answered the whole burst was read.
        await stillAnswers();
        if (sent === 30_000) rssBefore = rssKb(d.pid); // after warm-up: JIT, heap sized, cache partly filled
      }
      await stillAnswers();
      const rssAfter = rssKb(d.pid);
      t.diagnostic(`sent ${sent}, answered ${answers}, RSS ${rssBefore} kB -> ${rssAfter} kB`);
      const m = /grapevine_dns_messages\{kind="queries"\} (\d+)/.exec((await api(d, 'GET', '/v1/metrics')).body as string);
      const handled = Number(m?.[1] ?? 0);
      t.diagnostic(`daemon handled ${handled} messages`);
      assert.ok(handled >= 100_000, `the daemon saw only ${handled} of ${sent} packets`);
      assert.ok(answers > TOTAL_PACKETS * 0.3, `only ${answers} answers to ${sent} packets`);
      // Generous slack for a noisy machine, but a leak of even 1 KB per packet (100 MB) fails.
      assert.ok(rssAfter - rssBefore < 80 * 1024, `RSS grew from ${rssBefore} kB to ${rssAfter} kB`);
    } finally {
      sock.close();
    }
  });

  test('half-open and garbage TCP streams', async () => {
    const rnd = seededRandom(SEED + 1);
    const conns: net.Socket[] = [];
    const connect = () =>
      new Promise<net.Socket>((resolve) => {
        const s = net.connect(d.dnsPort, '127.0.0.1');
        s.on('error', () => undefined);
        s.once('connect', () => resolve(s));
        s.once('close', () => resolve(s));
      });
    try {
      for (let i = 0; i < 30; i++) {
        const s = await connect();
        conns.push(s);
        const mode = i % 3;
        if (mode === 0) s.write(Buffer.from([0xff, 0xff, 1, 2, 3])); // promises 65535 bytes, sends 3
        else if (mode === 1) {
          const g = Buffer.alloc(20_000);
          for (let j = 0; j < g.length; j++) g[j] = Math.floor(rnd.next() * 256);
          s.write(g);
        } else {
          // Well-framed garbage: many small messages of random bytes.
          const parts: Buffer[] = [];
          for (let j = 0; j < 200; j++) {
            const m = Buffer.alloc(Math.floor(rnd.next() * 40));
            for (let k = 0; k < m.length; k++) m[k] = Math.floor(rnd.next() * 256);
            const f = Buffer.alloc(2);
            f.writeUInt16BE(m.length, 0);
            parts.push(f, m);
          }
          s.write(Buffer.concat(parts));
        }
        if (i % 5 === 4) s.end(); // half-close
      }
      await new Promise((r) => setTimeout(r, 200));
      await stillAnswers();
      // The resolver falls back to TCP for this one: TCP must still work next to the junk.
      const tcpResolver = new dnsp.Resolver({ timeout: 3000, tries: 2 });
      tcpResolver.setServers([`127.0.0.1:${d.dnsPort}`]);
      assert.equal((await tcpResolver.resolveSrv('_web._tcp.fuzz.internal')).length, 5);
      const s = await connect();
      conns.push(s);
      const q = packet.encode({ type: 'query', id: 4242, questions: [{ type: 'A', name: 'web.fuzz.internal' }] });
      const framed = Buffer.concat([Buffer.from([q.length >> 8, q.length & 255]), q]);
      const got = new Promise<Buffer>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no TCP answer')), 5000);
        let buf = Buffer.alloc(0);
        s.on('data', (c) => {
          buf = Buffer.concat([buf, c]);
          if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
            clearTimeout(t);
            resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
          }
        });
      });
      s.write(framed);
      const a = packet.decode(await got);
      assert.equal(a.id, 4242);
      assert.equal(a.answers!.length, 5);
    } finally {
      for (const c of conns) c.destroy();
    }
    await stillAnswers();
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import net from 'node:net';
import * as packet from 'dns-packet';
import { startDnsServer, type DnsServer } from '../../../src/dns/server.js';
import { encodeQuery, webWorld, type World } from '../core/dns/fixture.js';

function udpAsk(port: number, q: Buffer, timeoutMs = 2000): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      resolve(null);
    }, timeoutMs);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(m);
    });
    s.send(q, port, '127.0.0.1');
  });
}

function frame(q: Buffer): Buffer {
  const b = Buffer.alloc(2 + q.length);
  b.writeUInt16BE(q.length, 0);
  q.copy(b, 2);
  return b;
}

/** tcpSession connects and collects framed answers; `closed` resolves when the server closes. */
function tcpSession(port: number): Promise<{ sock: net.Socket; answers: packet.DecodedPacket[]; next(n: number): Promise<void>; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const answers: packet.DecodedPacket[] = [];
    let buf = Buffer.alloc(0);
    const waiters: { n: number; done: () => void }[] = [];
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    sock.on('error', () => undefined);
    sock.on('data', (c) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0);
        answers.push(packet.decode(buf.subarray(2, 2 + len)));
        buf = buf.subarray(2 + len);
      }
      for (const w of [...waiters]) if (answers.length >= w.n) w.done();
    });
    sock.once('connect', () =>
      resolve({
        sock,
        answers,
        closed,
        next: (n) =>
          new Promise<void>((done, fail) => {
            if (answers.length >= n) return done();
            const t = setTimeout(() => fail(new Error(`only ${answers.length} of ${n} answers`)), 3000);
            waiters.push({ n, done: () => (clearTimeout(t), done()) });
          }),
      }),
    );
    sock.once('error', reject);
  });
}

describe('DNS server (UDP and TCP)', () => {
  let w: World;
  let server: DnsServer;
  before(async () => {
    w = webWorld(3);
    server = await startDnsServer({ registry: w.registry, host: '127.0.0.1', port: 0, tcp: { idleTimeoutMs: 400, maxConnections: 4 } });
  });
  after(async () => {
    await server.close();
  });

  test('UDP: answers, FORMERR for a readable header, silence for less', async () => {
    const a = packet.decode((await udpAsk(server.address.port, encodeQuery('web.prod.internal', 'A', { id: 5 })))!);
    assert.equal(a.id, 5);
    assert.equal(a.answers!.length, 3);
    const bad = await udpAsk(server.address.port, Buffer.from([0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 7, 1]));
    assert.equal(bad!.readUInt16BE(0), 9);
    assert.equal(bad![3] & 0xf, 1);
    assert.equal(await udpAsk(server.address.port, Buffer.from([1, 2, 3]), 300), null);
  });

  test('TCP: several queries per connection, split anywhere, answered in order', async () => {
    const s = await tcpSession(server.address.port);
    const all = Buffer.concat([1, 2, 3].map((id) => frame(encodeQuery('web.prod.internal', id === 2 ? 'SRV' : 'A', { id }))));
    // Byte by byte for the first half, then the rest in one go.
    const half = all.length >> 1;
    for (let i = 0; i < half; i++) {
      s.sock.write(all.subarray(i, i + 1));
      await new Promise((r) => setImmediate(r));
    }
    s.sock.write(all.subarray(half));
    await s.next(3);
    assert.deepEqual(s.answers.map((a) => a.id), [1, 2, 3]);
    assert.equal(s.answers[1].answers![0].type, 'SRV');
    s.sock.destroy();
  });

  test('TCP: idle connections are closed; half-open ones too', async () => {
    const s = await tcpSession(server.address.port);
    s.sock.write(Buffer.from([0, 40, 1, 2])); // promises 40 bytes, sends 2
    const t0 = Date.now();
    await s.closed;
    assert.ok(Date.now() - t0 < 5000);
  });

  test('TCP: connections are bounded; garbage costs only its own connection', async () => {
    const held = await Promise.all([0, 1, 2, 3].map(() => tcpSession(server.address.port)));
    const extra = await tcpSession(server.address.port);
    await extra.closed; // over the limit: closed by the server
    for (const h of held) h.sock.destroy();
    await Promise.all(held.map((h) => h.closed));
    const g = await tcpSession(server.address.port);
    g.sock.write(Buffer.from([0, 3, 1, 2, 3, 0, 5, 0xff, 0xff, 0xff, 0xff, 0xff]));
    const s = await tcpSession(server.address.port);
    s.sock.write(frame(encodeQuery('web.prod.internal', 'A', { id: 77 })));
    await s.next(1);
    assert.equal(s.answers[0].id, 77);
    g.sock.destroy();
    s.sock.destroy();
  });

  test('UDP and TCP listen on the same port when port 0 is asked', async () => {
    const s = await tcpSession(server.address.port);
    s.sock.write(frame(encodeQuery('web-1.web.prod.internal', 'A')));
    await s.next(1);
    assert.equal((s.answers[0].answers![0] as { data: string }).data, '10.0.0.1');
    s.sock.destroy();
  });
});

describe('DNS forwarding to recursors', () => {
  let upstream: Socket;
  let upstreamPort: number;
  let seen = 0;
  before(async () => {
    upstream = createSocket('udp4');
    upstream.on('message', (m, r) => {
      seen++;
      const q = packet.decode(m);
      if (q.questions![0].name === 'silent.example') return;
      const a = packet.encode({
        type: 'response',
        id: q.id,
        flags: packet.RECURSION_AVAILABLE,
        questions: q.questions,
        answers: [{ type: 'A', name: q.questions![0].name, ttl: 60, data: '192.0.2.1' }],
      });
      upstream.send(a, r.port, r.address);
    });
    await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()));
    upstreamPort = upstream.address().port;
  });
  after(() => upstream.close());

  test('off by default: outside names are REFUSED and nothing goes upstream', async () => {
    const w = webWorld(1);
    const server = await startDnsServer({ registry: w.registry, host: '127.0.0.1', port: 0 });
    try {
      const a = packet.decode((await udpAsk(server.address.port, encodeQuery('example.com', 'A')))!);
      assert.equal((a as unknown as { rcode: string }).rcode, 'REFUSED');
      assert.equal(seen, 0);
    } finally {
      await server.close();
    }
  });

  test('with recursors: relays the upstream answer with the client id, SERVFAIL on timeout', async () => {
    const w = webWorld(1);
    const server = await startDnsServer({
      registry: w.registry,
      host: '127.0.0.1',
      port: 0,
      recursors: [`127.0.0.1:${upstreamPort}`],
      recursorTimeoutMs: 300,
    });
    try {
      const a = packet.decode((await udpAsk(server.address.port, encodeQuery('example.com', 'A', { id: 1234 })))!);
      assert.equal(a.id, 1234);
      assert.equal((a.answers![0] as { data: string }).data, '192.0.2.1');
      const s = await tcpSession(server.address.port);
      s.sock.write(frame(encodeQuery('tcp.example', 'A', { id: 99 })));
      await s.next(1);
      assert.equal(s.answers[0].id, 99);
      assert.equal(s.answers[0].answers!.length, 1);
      s.sock.destroy();
      const t = packet.decode((await udpAsk(server.address.port, encodeQuery('silent.example', 'A', { id: 4321 })))!);
      assert.equal(t.id, 4321);
      assert.equal((t as unknown as { rcode: string }).rcode, 'SERVFAIL');
      // Local names are still answered locally, with RA set now that recursion is available.
      const local = await udpAsk(server.address.port, encodeQuery('web.prod.internal', 'A'));
      assert.equal(packet.decode(local!).answers!.length, 1);
      assert.ok(local!.readUInt16BE(2) & packet.RECURSION_AVAILABLE);
    } finally {
      await server.close();
    }
  });
});

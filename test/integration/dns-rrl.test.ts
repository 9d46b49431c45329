/**
 * DNS response-rate limiting against a real daemon: a UDP flood of SRV queries from
 * one client gets at most the configured rate of full answers; the rest are dropped or
 * slipped (TC=1, no records, never larger than the query), and TCP still answers.
 * The same shown with dnsperf when it is installed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as packet from 'dns-packet';
import { api, startDaemon, stopAll, tempDir, type Daemon } from './helpers/daemon.js';

const RATE = 50;
const NAME = '_web._tcp.rrl.internal';

function hasDnsperf(): boolean {
  try {
    execFileSync('dnsperf', ['-h'], { stdio: 'ignore' });
    return true;
  } catch (e) {
    // dnsperf -h exits non-zero on some versions; it exists if it ran at all.
    return (e as { code?: string }).code !== 'ENOENT';
  }
}

function tcpQuery(port: number, _q: Buffer): Promise<packet.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error('tcp dns timeout'));
    }, 5000);
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      const all = Buffer.concat(chunks);
      if (all.length >= 2 && all.length >= 2 + all.readUInt16BE(0)) {
        clearTimeout(t);
        s.destroy();
        resolve(packet.decode(all.subarray(2, 2 + all.readUInt16BE(0))));
      }
    });
    s.on('error', reject);
    s.write(packet.streamEncode({ type: 'query', id: 1, questions: [{ type: 'SRV', name: NAME }] }));
  });
}

describe('DNS response-rate limiting', () => {
  let d: Daemon | undefined;
  const dir = tempDir('grapevine-rrl-');
  before(async () => {
    const cfg = join(dir, 'rrl.json');
    writeFileSync(cfg, JSON.stringify({ limits: { dnsResponsesPerSec: RATE, dnsSlip: 2 } }));
    d = await startDaemon({ name: 'rrl1', configFile: cfg });
    assert.equal((await api(d, 'PUT', '/v1/namespaces/rrl.internal', { type: 'DNS' })).status, 201);
    const svc = await api(d, 'PUT', '/v1/namespaces/rrl.internal/services/web', { dns: { routingPolicy: 'MULTIVALUE', records: [{ type: 'A', ttl: 5 }, { type: 'SRV', ttl: 5 }] } });
    assert.equal(svc.status, 201);
    for (let i = 1; i <= 8; i++) {
      assert.equal((await api(d, 'PUT', `/v1/namespaces/rrl.internal/services/web/instances/w${i}`, { attributes: { ipv4: `10.0.0.${i}`, port: '80' } })).status, 201);
    }
  });
  after(async () => {
    await stopAll([d]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a UDP flood from one client: full answers held to the rate, every second excess query slipped with TC=1', async () => {
    const N = 600;
    const s = createSocket('udp4');
    let full = 0;
    let truncated = 0;
    let bytesOut = 0;
    s.on('message', (m) => {
      bytesOut += m.length;
      const p = packet.decode(m);
      if ((p.flags! & packet.TRUNCATED_RESPONSE) !== 0 && p.answers!.length === 0) truncated++;
      else full++;
    });
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const started = Date.now();
    let bytesIn = 0;
    for (let i = 0; i < N; i++) {
      const q = packet.encode({ type: 'query', id: i, flags: packet.RECURSION_DESIRED, questions: [{ type: 'SRV', name: NAME }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as packet.Answer] });
      bytesIn += q.length;
      s.send(q, d!.dnsPort, '127.0.0.1');
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 1000));
    s.close();
    const seconds = (Date.now() - started) / 1000;
    assert.ok(full <= RATE + Math.ceil(RATE * seconds) + 1, `${full} full answers in ${seconds} s`);
    assert.ok(full >= 1);
    assert.ok(truncated > N / 4, `${truncated} TC answers`);
    assert.ok(full + truncated < N, 'some were dropped');
    // Amplification under the flood: bytes out per byte in stays small (unlimited, an SRV answer is many times its query).
    assert.ok(bytesOut / bytesIn < 3, `amplification ${(bytesOut / bytesIn).toFixed(2)}x`);
    // A real resolver retries over TCP, which is not limited.
    const overTcp = await tcpQuery(d!.dnsPort, Buffer.alloc(0));
    assert.equal(overTcp.answers!.filter((a) => a.type === 'SRV').length, 8);
  });

  test('dnsperf flood from one client', { skip: hasDnsperf() ? false : 'dnsperf is not installed' }, async () => {
    const data = join(dir, 'queries.txt');
    writeFileSync(data, `${NAME} SRV\n`);
    await new Promise((r) => setTimeout(r, 1100)); // let the bucket refill after the previous test
    const { stdout } = await promisify(execFile)('dnsperf', ['-s', '127.0.0.1', '-p', String(d!.dnsPort), '-d', data, '-l', '2', '-Q', '2000', '-t', '1', '-e'], { timeout: 20_000 });
    const sent = Number(/Queries sent:\s+(\d+)/.exec(stdout)?.[1]);
    const lost = Number(/Queries lost:\s+(\d+)/.exec(stdout)?.[1]);
    assert.ok(sent > 500, stdout);
    assert.ok(lost > sent / 4, `lost ${lost} of ${sent}:\n${stdout}`);
    assert.ok(sent - lost < sent, stdout);
  });
});

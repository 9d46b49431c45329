/**
 * DNS against a real daemon process, asked by a client nobody here wrote: Node's
 * dns.promises.Resolver (c-ares), pointed at the daemon's dnsAddr.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { promises as dnsp } from 'node:dns';
import * as packet from 'dns-packet';
import { api, startDaemon, stopAll, type Daemon } from './helpers/daemon.js';

const NS = '/v1/namespaces/prod.internal';
const WEB = `${NS}/services/web`;
const BIG = `${NS}/services/big`;

/** udpQuery sends one raw query over UDP and returns the raw answer (or throws after 5 s). */
function udpQuery(port: number, q: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      reject(new Error('udp query timed out'));
    }, 5000);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(m);
    });
    s.send(q, port, '127.0.0.1');
  });
}

async function ok(p: Promise<{ status: number; body: unknown }>): Promise<void> {
  const r = await p;
  assert.ok(r.status >= 200 && r.status < 300, `HTTP ${r.status}: ${JSON.stringify(r.body)}`);
}

describe('DNS against a real daemon (Node resolver)', () => {
  let d: Daemon;
  let resolver: dnsp.Resolver;

  before(async () => {
    d = await startDaemon({ name: 'dns1' });
    resolver = new dnsp.Resolver({ timeout: 3000, tries: 2 });
    resolver.setServers([`127.0.0.1:${d.dnsPort}`]);
    await ok(api(d, 'PUT', NS, { type: 'DNS', soaTtl: 30 }));
    await ok(api(d, 'PUT', '/v1/namespaces/api.local', { type: 'HTTP' }));
    await ok(
      api(d, 'PUT', WEB, {
        dns: { routingPolicy: 'MULTIVALUE', records: [{ type: 'A', ttl: 10 }, { type: 'AAAA', ttl: 10 }, { type: 'SRV', ttl: 10 }] },
        healthCheck: { type: 'CUSTOM' },
      }),
    );
    for (let i = 1; i <= 3; i++) {
      await ok(api(d, 'PUT', `${WEB}/instances/web-${i}`, { attributes: { ipv4: `10.0.0.${i}`, ipv6: `fd00::${i}`, port: `${8000 + i}`, zone: `z${i}` } }));
    }
    await ok(api(d, 'PUT', BIG, { dns: { routingPolicy: 'MULTIVALUE', records: [{ type: 'A', ttl: 10 }, { type: 'SRV', ttl: 10 }] } }));
    // 500 instances, 25 requests at a time.
    for (let i = 0; i < 500; i += 25) {
      await Promise.all(
        Array.from({ length: 25 }, (_, j) => {
          const n = i + j;
          return ok(api(d, 'PUT', `${BIG}/instances/big-${n}`, { attributes: { ipv4: `10.1.${n >> 8}.${n & 255}`, port: '9000' } }));
        }),
      );
    }
  });

  after(async () => {
    await stopAll([d]);
  });

  test('resolve4, resolve6, resolveSrv and resolveTxt', async () => {
    assert.deepEqual((await resolver.resolve4('web.prod.internal')).sort(), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    assert.deepEqual((await resolver.resolve6('web.prod.internal')).sort(), ['fd00::1', 'fd00::2', 'fd00::3']);
    const srv = (await resolver.resolveSrv('_web._tcp.prod.internal')).sort((a, b) => a.port - b.port);
    assert.deepEqual(
      srv.map((s) => [s.name, s.port, s.priority, s.weight]),
      [
        ['web-1.web.prod.internal', 8001, 0, 1],
        ['web-2.web.prod.internal', 8002, 0, 1],
        ['web-3.web.prod.internal', 8003, 0, 1],
      ],
    );
    assert.equal((await resolver.resolveSrv('web.prod.internal')).length, 3);
    const txt = (await resolver.resolveTxt('web-2.web.prod.internal')).map((parts) => parts.join(''));
    assert.deepEqual(txt.sort(), ['ipv4=10.0.0.2', 'ipv6=fd00::2', 'port=8002', 'zone=z2']);
    assert.deepEqual(await resolver.resolve4('Web-2.WEB.prod.internal'), ['10.0.0.2']);
  });

  test('NXDOMAIN surfaces as ENOTFOUND; names outside DNS namespaces as EREFUSED', async () => {
    await assert.rejects(resolver.resolve4('nope.prod.internal'), { code: 'ENOTFOUND' });
    await assert.rejects(resolver.resolve4('example.com'), { code: 'EREFUSED' });
    await assert.rejects(resolver.resolve4('web.api.local'), { code: 'EREFUSED' }, 'HTTP namespaces are not served');
    // NODATA: the name exists, the type does not.
    await assert.rejects(resolver.resolveMx('web.prod.internal'), { code: 'ENODATA' });
  });

  test('500 instances: UDP truncates with TC, the resolver falls back to TCP and gets all 500', async () => {
    const raw = await udpQuery(d.dnsPort, packet.encode({ type: 'query', id: 7, questions: [{ type: 'SRV', name: '_big._tcp.prod.internal' }] }));
    assert.ok(raw.length <= 512);
    assert.ok(raw.readUInt16BE(2) & packet.TRUNCATED_RESPONSE, 'TC set on the 512-byte UDP answer');
    const srv = await resolver.resolveSrv('_big._tcp.prod.internal');
    assert.equal(srv.length, 500);
    assert.equal(new Set(srv.map((s) => s.name)).size, 500);
    assert.equal((await resolver.resolve4('big.prod.internal')).length, 8, 'MULTIVALUE A answers at most 8');
  });

  test('an instance turned UNHEALTHY leaves the A answer at once; all UNHEALTHY fails open', async () => {
    await ok(api(d, 'PUT', `${WEB}/instances/web-2/health`, { status: 'UNHEALTHY' }));
    // No polling: the answer after the acknowledged change must already reflect it.
    for (let i = 0; i < 5; i++) assert.deepEqual((await resolver.resolve4('web.prod.internal')).sort(), ['10.0.0.1', '10.0.0.3']);
    await ok(api(d, 'PUT', `${WEB}/instances/web-1/health`, { status: 'UNHEALTHY' }));
    assert.deepEqual(await resolver.resolve4('web.prod.internal'), ['10.0.0.3']);
    await ok(api(d, 'PUT', `${WEB}/instances/web-3/health`, { status: 'UNHEALTHY' }));
    assert.deepEqual((await resolver.resolve4('web.prod.internal')).sort(), ['10.0.0.1', '10.0.0.2', '10.0.0.3'], 'fails open');
    await ok(api(d, 'PUT', `${WEB}/instances/web-2/health`, { status: 'HEALTHY' }));
    assert.deepEqual(await resolver.resolve4('web.prod.internal'), ['10.0.0.2']);
  });

  test('a draining instance disappears at once', async () => {
    await ok(api(d, 'PUT', `${WEB}/instances/web-5`, { attributes: { ipv4: '10.0.0.5', ipv6: 'fd00::5', port: '8005' } }));
    assert.ok((await resolver.resolve4('web.prod.internal')).includes('10.0.0.5'));
    await ok(api(d, 'DELETE', `${WEB}/instances/web-5?drainMs=60000`));
    assert.ok(!(await resolver.resolve4('web.prod.internal')).includes('10.0.0.5'));
    assert.ok(!(await resolver.resolveSrv('web.prod.internal')).some((s) => s.port === 8005));
  });

  test('a deregistered instance disappears at once', async () => {
    await ok(api(d, 'PUT', `${WEB}/instances/web-4`, { attributes: { ipv4: '10.0.0.4', ipv6: 'fd00::4', port: '8004' } }));
    assert.deepEqual(await resolver.resolve4('web-4.web.prod.internal'), ['10.0.0.4']);
    await ok(api(d, 'DELETE', `${WEB}/instances/web-4`));
    await assert.rejects(resolver.resolve4('web-4.web.prod.internal'), { code: 'ENOTFOUND' });
  });
});

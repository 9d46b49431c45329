import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { httpCheck } from '../../../src/health/http-check.js';
import type { CheckTarget } from '../../../src/health/target.js';

const sockets = new Set<net.Socket>();
function track(server: net.Server): void {
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
}

function listen(server: net.Server, host = '127.0.0.1'): Promise<CheckTarget> {
  track(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve({ host, port: (server.address() as net.AddressInfo).port, family: host.includes(':') ? 6 : 4 }));
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((r) => server.close(() => r()));
}

describe('HTTP check against real loopback servers', () => {
  let target: CheckTarget;
  let redirectHits = 0;
  const server = http.createServer((req, res) => {
    switch (req.url) {
      case '/ok':
        res.end('all good');
        return;
      case '/500':
        res.statusCode = 500;
        res.end('boom');
        return;
      case '/404':
        res.statusCode = 404;
        res.end();
        return;
      case '/204':
        res.statusCode = 204;
        res.end();
        return;
      case '/redirect':
        res.statusCode = 302;
        res.setHeader('location', '/redirected');
        res.end();
        return;
      case '/redirected':
        redirectHits++;
        res.statusCode = 500;
        res.end();
        return;
      case '/big':
        res.end('y'.repeat(1_000_000));
        return;
      case '/hang':
        return; // never answers
      case '/headers-then-hang':
        res.writeHead(200, { 'content-length': '100' });
        res.write('partial');
        return; // body never completes
      case '/reset':
        req.socket.resetAndDestroy();
        return;
      default:
        res.statusCode = 400;
        res.end();
    }
  });
  const garbage = net.createServer((s) => s.end('this is not HTTP at all\r\n\r\n\x00\x01\x02'));
  let garbageTarget: CheckTarget;

  before(async () => {
    target = await listen(server);
    garbageTarget = await listen(garbage);
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all([close(server), close(garbage)]);
  });

  const get = (p: string, timeoutMs = 1000) => httpCheck(target, { scheme: 'http', path: p, timeoutMs });

  it('200 passes and shows status and body', async () => {
    const r = await get('/ok');
    assert.equal(r.ok, true);
    assert.match(r.output, /200 OK/);
    assert.match(r.output, /all good/);
    assert.match(r.output, /^GET http:\/\/127\.0\.0\.1:\d+\/ok/);
  });
  it('204 passes', async () => assert.equal((await get('/204')).ok, true));
  it('500 fails', async () => {
    const r = await get('/500');
    assert.equal(r.ok, false);
    assert.match(r.output, /500/);
  });
  it('404 fails', async () => assert.equal((await get('/404')).ok, false));
  it('a redirect passes (3xx) and is not followed', async () => {
    const r = await get('/redirect');
    assert.equal(r.ok, true);
    assert.match(r.output, /302/);
    assert.equal(redirectHits, 0);
  });
  it('a huge body is cut to 4 KB of output and does not hold the check', async () => {
    const r = await get('/big');
    assert.equal(r.ok, true);
    assert.ok(Buffer.byteLength(r.output) <= 4096);
  });
  it('a target that never answers fails after timeoutMs', async () => {
    const t0 = Date.now();
    const r = await get('/hang', 300);
    assert.equal(r.ok, false);
    assert.match(r.output, /timed out after 300 ms/);
    assert.ok(Date.now() - t0 >= 250);
  });
  it('a body that never completes is bounded by the same timeout', async () => {
    const r = await get('/headers-then-hang', 300);
    // The status line said 200, but a target that stalls mid-body is not healthy.
    assert.equal(r.ok, false);
    assert.match(r.output, /timed out after 300 ms/);
  });
  it('a connection reset fails', async () => {
    const r = await get('/reset');
    assert.equal(r.ok, false);
    assert.match(r.output, /ECONNRESET|socket hang up/);
  });
  it('garbage instead of HTTP fails', async () => {
    const r = await httpCheck(garbageTarget, { scheme: 'http', path: '/', timeoutMs: 1000 });
    assert.equal(r.ok, false);
    assert.match(r.output, /HPE_|Parse Error/i);
  });
  it('a closed port fails with connection refused', async () => {
    const s = net.createServer();
    const t = await listen(s);
    await close(s);
    const r = await httpCheck(t, { scheme: 'http', path: '/', timeoutMs: 1000 });
    assert.equal(r.ok, false);
    assert.match(r.output, /ECONNREFUSED/);
  });
  it('the daemon survives 200 checks of misbehaving targets at once', async () => {
    const paths = ['/hang', '/reset', '/500', '/ok', '/big'];
    const rs = await Promise.all(Array.from({ length: 200 }, (_, i) => get(paths[i % paths.length], paths[i % paths.length] === '/hang' ? 300 : 5000)));
    const good = rs.filter((_, i) => paths[i % paths.length] === '/ok' || paths[i % paths.length] === '/big');
    assert.deepEqual(good.filter((r) => !r.ok).map((r) => r.output), []);
    assert.equal(rs.filter((r) => r.ok).length, 80);
  });
});

describe('HTTP check over IPv6', () => {
  it('requests http://[::1]:port/path', async (t) => {
    const server = http.createServer((req, res) => res.end(req.url));
    let target: CheckTarget;
    try {
      target = await listen(server, '::1');
    } catch {
      t.skip('no IPv6 loopback on this machine');
      return;
    }
    try {
      const r = await httpCheck(target, { scheme: 'http', path: '/v6', timeoutMs: 1000 });
      assert.equal(r.ok, true);
      assert.match(r.output, /^GET http:\/\/\[::1\]:\d+\/v6: 200/);
    } finally {
      await close(server);
    }
  });
});

describe('HTTPS check with a self-signed certificate', () => {
  let dir = '';
  let server: https.Server | undefined;
  let target: CheckTarget;
  let skipReason = '';

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gv-tls-'));
    try {
      // Node cannot mint X.509 certificates itself; openssl makes a throwaway one.
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore', timeout: 20_000 });
    } catch {
      skipReason = 'openssl is not available to generate a test certificate';
      return;
    }
    server = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) }, (_req, res) => res.end('tls ok'));
    target = await listen(server);
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    if (server) await close(server);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fails by default: the certificate is not trusted', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const r = await httpCheck(target, { scheme: 'https', path: '/', timeoutMs: 2000 });
    assert.equal(r.ok, false);
    assert.match(r.output, /self[- ]signed|DEPTH_ZERO_SELF_SIGNED_CERT/i);
  });
  it('passes with insecureSkipVerify', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const r = await httpCheck(target, { scheme: 'https', path: '/', timeoutMs: 2000, insecureSkipVerify: true });
    assert.equal(r.ok, true);
    assert.match(r.output, /^GET https:\/\/127\.0\.0\.1:\d+\/: 200/);
  });
  it('plain HTTP against the TLS port fails', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const r = await httpCheck(target, { scheme: 'http', path: '/', timeoutMs: 1000 });
    assert.equal(r.ok, false);
  });
});

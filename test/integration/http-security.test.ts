/**
 * The HTTP API's transport and browser defences against a real daemon: HTTPS with a
 * real client (the CA given) and client certificates (verifyIncoming), the refusal of
 * writes a foreign web page can send, CORS for configured origins, and the per-client
 * rate limits shown with autocannon.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { api, freePort, startDaemon, stopAll, tempDir, type Daemon } from './helpers/daemon.js';
import { hasOpenssl, makeCerts, type CertFiles } from './helpers/certs.js';

function httpsGet(port: number, path: string, opts: { ca?: Buffer; cert?: Buffer; key?: Buffer }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: 5000, ...opts }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('HTTPS', { skip: hasOpenssl() ? false : 'openssl is not installed' }, () => {
  const dir = tempDir('grapevine-tls-');
  let certs: CertFiles;
  let d: Daemon | undefined;
  let httpsPort: number;

  before(async () => {
    certs = makeCerts(dir, 'tls1');
    httpsPort = await freePort();
    const cfg = join(dir, 'tls.json');
    writeFileSync(cfg, JSON.stringify({ httpsAddr: `127.0.0.1:${httpsPort}`, verifyIncoming: true, tls: { caFile: certs.caFile, certFile: certs.serverCert, keyFile: certs.serverKey } }));
    d = await startDaemon({ name: 'tls1', configFile: cfg });
  });
  after(async () => {
    await stopAll([d]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a client that trusts the CA and shows its certificate is served', async () => {
    const r = await httpsGet(httpsPort, '/v1/status', { ca: readFileSync(certs.caFile), cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) });
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body).node, 'tls1');
  });

  test('verifyIncoming: a client without a certificate is refused in the handshake', async () => {
    await assert.rejects(httpsGet(httpsPort, '/v1/status', { ca: readFileSync(certs.caFile) }), (e: Error & { code?: string }) => /ECONNRESET|certificate|handshake|socket hang up|alert/i.test(`${e.code} ${e.message}`));
  });

  test('a client that does not trust the CA refuses the server', async () => {
    await assert.rejects(httpsGet(httpsPort, '/v1/status', { cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) }), /self.signed|unable to verify|SELF_SIGNED|UNABLE_TO_GET_ISSUER/i);
  });

  test('an HTTPS address without a certificate is refused at start, naming the field', async () => {
    const cfg = join(dir, 'bad.json');
    writeFileSync(cfg, JSON.stringify({ httpsAddr: `127.0.0.1:${httpsPort}` }));
    await assert.rejects(startDaemon({ name: 'tls2', configFile: cfg }), /httpsAddr: needs tls\.caFile, tls\.certFile and tls\.keyFile/);
  });
});

describe('writes from browsers', () => {
  let d: Daemon | undefined;
  const dir = tempDir('grapevine-cors-');
  before(async () => {
    const cfg = join(dir, 'cors.json');
    writeFileSync(cfg, JSON.stringify({ http: { corsOrigins: ['https://ui.example.com'] } }));
    d = await startDaemon({ name: 'cors1', configFile: cfg });
  });
  after(async () => {
    await stopAll([d]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a text/plain POST from a foreign origin (what a web page can send without preflight) does not stop the daemon', async () => {
    const res = await fetch(`${d!.httpUrl}/v1/agent/leave`, { method: 'POST', body: '{}', headers: { 'content-type': 'text/plain', origin: 'https://evil.example' } });
    assert.equal(res.status, 415);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'UnsupportedMediaType');
    for (const ct of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain;charset=UTF-8']) {
      const r = await fetch(`${d!.httpUrl}/v1/namespaces/evil.internal`, { method: 'PUT', body: '{"type":"HTTP"}', headers: { 'content-type': ct } });
      assert.equal(r.status, 415, ct);
    }
    // A body-less POST (fetch with mode no-cors sends no content type) still carries the foreign Origin.
    const bare = await fetch(`${d!.httpUrl}/v1/agent/leave`, { method: 'POST', headers: { origin: 'https://evil.example' } });
    assert.equal(bare.status, 403);
    assert.equal((await api(d!, 'GET', '/v1/status')).status, 200, 'the daemon is still up');
    assert.equal((await api(d!, 'GET', '/v1/namespaces/evil.internal')).status, 404);
  });

  test('CORS: only the configured origin gets a preflight and may write', async () => {
    const pre = await fetch(`${d!.httpUrl}/v1/namespaces/ui.internal`, { method: 'OPTIONS', headers: { origin: 'https://ui.example.com', 'access-control-request-method': 'PUT' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://ui.example.com');
    const put = await fetch(`${d!.httpUrl}/v1/namespaces/ui.internal`, { method: 'PUT', body: '{"type":"HTTP"}', headers: { 'content-type': 'application/json', origin: 'https://ui.example.com' } });
    assert.equal(put.status, 201);
    assert.equal(put.headers.get('access-control-allow-origin'), 'https://ui.example.com');
    const foreign = await fetch(`${d!.httpUrl}/v1/namespaces/ui.internal`, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
    assert.notEqual(foreign.status, 204);
  });
});

describe('HTTP rate limits (autocannon)', () => {
  let d: Daemon | undefined;
  const dir = tempDir('grapevine-rl-');
  const READS = 200;
  const WRITES = 20;
  before(async () => {
    const cfg = join(dir, 'rl.json');
    writeFileSync(cfg, JSON.stringify({ limits: { httpReadsPerSec: READS, httpWritesPerSec: WRITES } }));
    d = await startDaemon({ name: 'rl1', configFile: cfg });
  });
  after(async () => {
    await stopAll([d]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('reads over limits.httpReadsPerSec get 429 with Retry-After; what passes stays within the bucket', async () => {
    const r = await autocannon({ url: `${d!.httpUrl}/v1/status`, connections: 8, amount: 3000 });
    const passed = r['2xx'];
    assert.ok(r.non2xx > 0, `no 429 among ${r.requests.total} requests`);
    // At most the burst plus the rate for the run's duration (rounded up generously).
    const bound = READS + READS * Math.ceil(r.duration + 1);
    assert.ok(passed <= bound, `${passed} reads passed, bound ${bound}`);
    const res = await fetch(`${d!.httpUrl}/v1/status`);
    if (res.status === 429) {
      assert.match(res.headers.get('retry-after') ?? '', /^\d+$/);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'TooManyRequests');
    }
  });

  test('writes have their own, smaller bucket', async () => {
    const r = await autocannon({ url: `${d!.httpUrl}/v1/namespaces/rl.internal`, method: 'PUT', body: '{"type":"HTTP"}', headers: { 'content-type': 'application/json' }, connections: 4, amount: 300 });
    assert.ok(r.non2xx > 0);
    const bound = WRITES + WRITES * Math.ceil(r.duration + 1);
    assert.ok(r['2xx'] <= bound, `${r['2xx']} writes passed, bound ${bound}`);
  });

  test('a Cloud Map call over the limit gets 429 RequestLimitExceeded in AWS JSON, with Retry-After', async () => {
    let limited: Response | undefined;
    for (let i = 0; i < 10 * WRITES && !limited; i++) {
      const res = await fetch(`${d!.httpUrl}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Route53AutoNaming_v20170314.ListNamespaces' }, body: '{}' });
      if (res.status === 429) limited = res;
      else await res.arrayBuffer();
    }
    assert.ok(limited, 'the write bucket never ran dry');
    assert.equal(limited.headers.get('content-type'), 'application/x-amz-json-1.1');
    assert.match(limited.headers.get('retry-after') ?? '', /^\d+$/);
    assert.equal(((await limited.json()) as { __type: string }).__type, 'RequestLimitExceeded');
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { api, startDaemon, stopAll, tempDir, waitFor, type Daemon } from './helpers/daemon.js';

const MAX_CONNECTIONS = 8;
const BODY_TIMEOUT_MS = 4000;
/** SLOW_CLIENTS is more than the cap, so that some are refused whatever the test's own connections hold. */
const SLOW_CLIENTS = MAX_CONNECTIONS + 4;

/** get sends one GET over `agent` (false: a fresh connection) and resolves with status and body text. */
function get(d: Daemon, path: string, agent: Agent | false): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: new URL(d.httpUrl).port, path, agent, timeout: BODY_TIMEOUT_MS }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to GET ${path} within ${BODY_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** SlowClient is a raw connection that sent headers and part of a body, and what came back on it. */
interface SlowClient {
  socket: Socket;
  received: string;
  closed: boolean;
}

/** slowClient connects and sends a PUT whose body never completes (10 of 100 bytes). */
function slowClient(d: Daemon): Promise<SlowClient> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(d.httpUrl).port), '127.0.0.1');
    const c: SlowClient = { socket, received: '', closed: false };
    socket.on('data', (b) => (c.received += b.toString()));
    let connected = false;
    socket.on('close', () => (c.closed = true));
    socket.on('error', (e) => {
      if (!connected) reject(e);
    });
    socket.once('connect', () => {
      connected = true;
      socket.write('PUT /v1/namespaces/slow.internal HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"type": "');
      resolve(c);
    });
  });
}

/** metric reads one unlabelled counter from /v1/metrics (0 when absent). */
async function metric(d: Daemon, name: string): Promise<number> {
  const text = (await api<string>(d, 'GET', '/v1/metrics')).body;
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

describe('HTTP connection cap and body timeout', () => {
  let d: Daemon;
  let dir: string;
  const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
  const slow: SlowClient[] = [];

  before(async () => {
    dir = tempDir('grapevine-limits-');
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ http: { maxConnections: MAX_CONNECTIONS, bodyTimeoutMs: BODY_TIMEOUT_MS } }));
    d = await startDaemon({ name: 'lim1', preset: 'test', configFile: file });
  });
  after(async () => {
    for (const c of slow) c.socket.destroy();
    keepAlive.destroy();
    await stopAll([d]);
  });

  test('over the cap new connections get 503 at once, existing ones keep working, slow bodies are cut, and the metrics count both', async () => {
    // A connection made before the flood, kept alive.
    assert.equal((await get(d, '/v1/status', keepAlive)).status, 200);

    for (let i = 0; i < SLOW_CLIENTS; i++) slow.push(await slowClient(d));
    const refused = () => slow.filter((c) => c.received.startsWith('HTTP/1.1 503')).length;
    await waitFor(() => refused() >= SLOW_CLIENTS - MAX_CONNECTIONS, `${SLOW_CLIENTS - MAX_CONNECTIONS} slow clients refused`, BODY_TIMEOUT_MS / 2, 10);
    assert.ok(slow.some((c) => c.received === '' && !c.closed), 'some slow clients hold a slot');

    // While the slots are held: the existing connection is served, and a new one is answered (not hung up on).
    assert.equal((await get(d, '/v1/status', keepAlive)).status, 200);
    const fresh = await get(d, '/v1/status', false);
    assert.equal(fresh.status, 503);
    assert.equal(JSON.parse(fresh.text).error.code, 'Unavailable');
    assert.match(JSON.parse(fresh.text).error.message, /http\.maxConnections/);
    // fetch (a pooled client) gets an answer within the body timeout too: 200 over a pooled connection, or 503.
    const r = await fetch(d.httpUrl + '/v1/status', { signal: AbortSignal.timeout(BODY_TIMEOUT_MS) });
    assert.ok(r.status === 200 || r.status === 503, `fetch answered ${r.status}`);
    await r.arrayBuffer();

    // The slow bodies inside the cap are cut after the body timeout with 408, which frees their slots.
    await waitFor(() => slow.every((c) => c.closed), 'slow clients cut', BODY_TIMEOUT_MS * 4, 50);
    const accepted = slow.filter((c) => !c.received.startsWith('HTTP/1.1 503'));
    assert.ok(accepted.length >= 1 && accepted.length <= MAX_CONNECTIONS, `${accepted.length} slow clients were let in`);
    for (const c of accepted) {
      assert.match(c.received, /^HTTP\/1\.1 408 /);
      assert.match(c.received, /http\.bodyTimeoutMs/);
    }
    const served = await waitFor(async () => (await get(d, '/v1/status', false)).status === 200, 'a fresh connection served again', BODY_TIMEOUT_MS, 50);
    assert.equal(served, true);

    assert.ok((await metric(d, 'grapevine_http_connections_refused_total')) >= refused() + 1, 'every refusal is counted');
    assert.ok((await metric(d, 'grapevine_http_request_timeouts_total')) >= accepted.length, 'every cut body is counted');
    // One warning for the whole burst, not one per connection.
    const warnings = d.output().split('\n').filter((l) => l.includes('http limits hit'));
    assert.ok(warnings.length >= 1 && warnings.length <= 2, `rate-limited log: ${warnings.length} lines for ${refused() + accepted.length} events`);
  });
});

describe('prototype attribute keys and dot instance ids', () => {
  let d: Daemon;
  const SVC = '/v1/namespaces/proto.internal/services/web';

  /** raw sends a request with the path and body exactly as given (fetch would resolve "..", JSON.stringify drop __proto__). */
  function raw(method: string, path: string, body?: string): Promise<{ status: number; body: any }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: new URL(d.httpUrl).port, method, path, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  before(async () => {
    d = await startDaemon({ name: 'proto1' });
    assert.equal((await api(d, 'PUT', '/v1/namespaces/proto.internal', { type: 'HTTP' })).status, 201);
    assert.equal((await api(d, 'PUT', SVC, {})).status, 201);
  });
  after(async () => {
    await stopAll([d]);
  });

  test('__proto__, constructor and prototype keys are refused by name, in bodies and in discovery filters', async () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const r = await raw('PUT', `${SVC}/instances/i1`, `{"attributes": {"${key}": "x"}}`);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.error.code, 'InvalidInput');
      assert.match(r.body.error.message, new RegExp(`^attributes\\.${key}:`));
      for (const prefix of ['attr', 'optional']) {
        const q = await raw('GET', `/v1/discover/proto.internal/web?${prefix}.${key}=x`);
        assert.equal(q.status, 400, JSON.stringify(q.body));
        assert.match(q.body.error.message, new RegExp(`^${prefix}\\.${key}:`));
      }
    }
    assert.equal((await api(d, 'GET', `${SVC}/instances`)).body.instances.length, 0, 'nothing was registered');
  });

  test('the instance ids "." and ".." are refused', async () => {
    for (const id of ['%2E', '%2E%2E']) {
      const r = await raw('PUT', `${SVC}/instances/${id}`, '{}');
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(r.body.error.message, /^id:/);
    }
    assert.equal((await raw('PUT', `${SVC}/instances/a.b`, '{}')).status, 201);
  });
});

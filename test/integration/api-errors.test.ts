import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { api, startDaemon, stopAll, type Daemon } from './helpers/daemon.js';

const NS = '/v1/namespaces/err.internal';
const SVC = `${NS}/services/web`;

/** rawRequest sends bytes as given (no fetch niceties), for oversized and broken requests. */
function rawRequest(d: Daemon, method: string, path: string, body: Buffer | string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const u = new URL(d.httpUrl + path);
    const req = request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('every error code, with nothing written', () => {
  let d: Daemon;
  before(async () => {
    d = await startDaemon({ name: 'err1' });
    assert.equal((await api(d, 'PUT', NS, { type: 'DNS' })).status, 201);
    assert.equal((await api(d, 'PUT', SVC, {})).status, 201);
    assert.equal((await api(d, 'PUT', `${SVC}/instances/i1`, { attributes: { ipv4: '10.1.1.1', port: '80' } })).status, 201);
  });
  after(async () => {
    await stopAll([d]);
  });

  /** expectError checks status and code, and that the registry revision did not move. */
  async function expectError(method: string, path: string, body: unknown, status: number, code: string, field?: string): Promise<void> {
    const before = (await api(d, 'GET', '/v1/status')).body.revision;
    const r = await api(d, method, path, body);
    assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, code);
    assert.equal(typeof r.body.error.message, 'string');
    if (field) assert.match(r.body.error.message, new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}`));
    assert.equal((await api(d, 'GET', '/v1/status')).body.revision, before, 'nothing was written');
  }

  test('InvalidInput (400) names the field', async () => {
    await expectError('PUT', '/v1/namespaces/bad..name', { type: 'DNS' }, 400, 'InvalidInput', 'namespace');
    await expectError('PUT', '/v1/namespaces/ok.internal', { type: 'NOPE' }, 400, 'InvalidInput', 'type');
    await expectError('PUT', '/v1/namespaces/ok.internal', { type: 'DNS', extra: 1 }, 400, 'InvalidInput', 'extra');
    await expectError('PUT', `${NS}/services/bad.name`, {}, 400, 'InvalidInput', 'service');
    await expectError('PUT', `${NS}/services/tcp`, { healthCheck: { type: 'TCP', path: '/x' } }, 400, 'InvalidInput', 'healthCheck.path');
    await expectError('PUT', `${NS}/services/chk`, { healthCheck: { type: 'HTTP', intervalMs: 500 } }, 400, 'InvalidInput', 'healthCheck.intervalMs');
    await expectError('PUT', `${SVC}/instances/bad%20id`, { attributes: { ipv4: '10.0.0.1', port: '80' } }, 400, 'InvalidInput', 'id');
    await expectError('PUT', `${SVC}/instances/i2`, { attributes: { port: '80' } }, 400, 'InvalidInput', 'attributes.ipv4');
    await expectError('PUT', `${SVC}/instances/i2`, { attributes: { ipv4: '10.0.0.1', port: '99999' } }, 400, 'InvalidInput', 'attributes.port');
    const many = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`k${i}`, 'v']));
    await expectError('PUT', `${SVC}/instances/i2`, { attributes: { ipv4: '10.0.0.1', port: '80', ...many } }, 400, 'InvalidInput', 'attributes');
    await expectError('GET', '/v1/discover/err.internal/web?health=SICK', undefined, 400, 'InvalidInput', 'health');
    await expectError('GET', '/v1/discover/err.internal/web?max=5000', undefined, 400, 'InvalidInput', 'max');
    await expectError('GET', '/v1/discover/err.internal/web?index=1&wait=forever', undefined, 400, 'InvalidInput', 'wait');
    await expectError('GET', '/v1/discover/err.internal/web?index=1&wait=11m', undefined, 400, 'InvalidInput', 'wait');
    await expectError('DELETE', `${SVC}/instances/i1?drainMs=abc`, undefined, 400, 'InvalidInput', 'drainMs');
    await expectError('PUT', `${SVC}/instances/i1/health`, { status: 'MAYBE' }, 400, 'InvalidInput', 'status');
  });

  test('NotFound codes (404)', async () => {
    await expectError('GET', '/v1/namespaces/none.internal', undefined, 404, 'NamespaceNotFound');
    await expectError('DELETE', '/v1/namespaces/none.internal', undefined, 404, 'NamespaceNotFound');
    await expectError('PUT', '/v1/namespaces/none.internal/services/web', {}, 404, 'NamespaceNotFound');
    await expectError('GET', `${NS}/services/none`, undefined, 404, 'ServiceNotFound');
    await expectError('PUT', `${NS}/services/none/instances/i1`, { attributes: {} }, 404, 'ServiceNotFound');
    await expectError('GET', '/v1/discover/err.internal/none', undefined, 404, 'ServiceNotFound');
    await expectError('GET', `${SVC}/instances/none`, undefined, 404, 'InstanceNotFound');
    await expectError('DELETE', `${SVC}/instances/none`, undefined, 404, 'InstanceNotFound');
    await expectError('PUT', `${SVC}/instances/none/heartbeat`, {}, 404, 'InstanceNotFound');
    await expectError('PUT', `${SVC}/instances/i1/health`, { status: 'HEALTHY' }, 404, 'CustomHealthNotFound');
    await expectError('GET', '/v1/nothing', undefined, 404, 'NotFound');
    await expectError('PATCH', NS, undefined, 405, 'MethodNotAllowed');
  });

  test('conflicts (409): ResourceInUse and AlreadyExists', async () => {
    await expectError('DELETE', NS, undefined, 409, 'ResourceInUse');
    await expectError('DELETE', SVC, undefined, 409, 'ResourceInUse');
    await expectError('PUT', NS, { type: 'HTTP' }, 409, 'NamespaceAlreadyExists');
    await expectError('PUT', SVC, { dns: { records: [{ type: 'A' }] } }, 409, 'ServiceAlreadyExists');
  });

  test('health routes validate, then answer 501 without the health layer', async () => {
    await api(d, 'PUT', `${NS}/services/custom`, { healthCheck: { type: 'CUSTOM' } });
    await api(d, 'PUT', `${NS}/services/custom/instances/c1`, { attributes: { ipv4: '10.0.0.1', port: '80' } });
    const status = (await api(d, 'GET', '/v1/status')).body;
    if (status.health === 'enabled') return; // the health layer is wired in: its own tests cover these routes
    await expectError('PUT', `${NS}/services/custom/instances/c1/health`, { status: 'UNHEALTHY' }, 501, 'NotImplemented');
    await expectError('DELETE', `${NS}/services/custom/instances/c1?drainMs=1000`, undefined, 501, 'NotImplemented');
  });

  test('malformed JSON, oversized bodies and long URLs get 4xx and the daemon keeps serving', async () => {
    const before = (await api(d, 'GET', '/v1/status')).body.revision;
    const bad = await api(d, 'PUT', '/v1/namespaces/j.internal', '{"type": "DNS"');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'InvalidInput');
    assert.match(bad.body.error.message, /^body/);
    const big = Buffer.alloc(200 * 1024, 'a');
    const r1 = await rawRequest(d, 'PUT', '/v1/namespaces/big.internal', big, { 'content-type': 'application/json', 'content-length': String(big.length) });
    assert.equal(r1.status, 413);
    assert.equal(r1.body.error.code, 'PayloadTooLarge');
    // Chunked (no content-length): the limit is enforced while reading.
    const r2 = await rawRequest(d, 'PUT', '/v1/namespaces/big.internal', big, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    assert.equal(r2.status, 413);
    const longUrl = await api(d, 'GET', `/v1/discover/err.internal/web?attr.k=${'x'.repeat(9000)}`);
    assert.ok(longUrl.status >= 400 && longUrl.status < 500, String(longUrl.status));
    const badPct = await api(d, 'GET', '/v1/namespaces/%E0%A4%A');
    assert.equal(badPct.status, 400);
    assert.equal((await api(d, 'GET', '/v1/status')).body.revision, before);
    assert.equal((await api(d, 'GET', '/v1/discover/err.internal/web')).status, 200);
  });

  test('state digest and metrics answer', async () => {
    const dg = await api(d, 'GET', '/v1/state/digest');
    assert.match(dg.body.digest, /^[0-9a-f]{64}$/);
    const m = await api(d, 'GET', '/v1/metrics');
    assert.equal(m.status, 200);
    assert.match(m.body as string, /grapevine_http_requests_total/);
  });
});

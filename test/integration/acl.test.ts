/**
 * ACLs against real daemons: tokens made with the initial management token, a matrix
 * of what each may do over HTTP, replication of tokens to a second daemon, DNS with
 * acl.dnsToken, the audit log, and the CLI's --token.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as packet from 'dns-packet';
import { MAIN_JS, startDaemon, stopAll, tempDir, waitFor, type Daemon } from './helpers/daemon.js';

const MGMT = 'management-secret-0123456789';
const DNS_SECRET = 'dns-secret-0123456789abcdef';

async function call(d: Daemon, method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(d.httpUrl + path, { method, headers, signal: AbortSignal.timeout(10_000), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* text */
  }
  return { status: res.status, body: parsed };
}

function dnsRcode(port: number, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      reject(new Error('dns timeout'));
    }, 5000);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve((packet.decode(m) as { rcode?: string }).rcode ?? 'NOERROR');
    });
    s.send(packet.encode({ type: 'query', id: 7, questions: [{ type: 'A', name }] }), port, '127.0.0.1');
  });
}

describe('ACL tokens on real daemons', () => {
  let d1: Daemon;
  let d2: Daemon;
  const dir = tempDir('grapevine-acl-');
  const tokens: Record<string, { accessorId: string; secretId: string }> = {};

  before(async () => {
    const cfg = join(dir, 'acl.json');
    writeFileSync(cfg, JSON.stringify({ acl: { enabled: true, defaultPolicy: 'deny', initialManagementToken: MGMT, dnsToken: DNS_SECRET } }));
    d1 = await startDaemon({ name: 'acl1', configFile: cfg, logLevel: 'info' });
    d2 = await startDaemon({ name: 'acl2', configFile: cfg, join: [d1.gossipAddr] });
    const mk = async (name: string, rules: unknown[]) => {
      const r = await call(d1, 'POST', '/v1/acl/tokens', MGMT, { description: name, rules });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      tokens[name] = r.body;
    };
    await mk('read', [{ resource: 'namespace', name: 'prod.internal', access: 'read' }]);
    await mk('write', [{ resource: 'namespace', name: 'prod.internal', access: 'write' }]);
    await mk('prefix', [{ resource: 'namespace', name: 'team-', prefix: true, access: 'write' }]);
    await mk('agent', [{ resource: 'agent', access: 'write' }]);
    await mk('acl', [{ resource: 'acl', access: 'write' }]);
    await mk('dns', [{ resource: 'namespace', name: 'prod.internal', access: 'read' }]);
    for (const ns of ['prod.internal', 'team-a.internal', 'other.internal']) {
      assert.equal((await call(d1, 'PUT', `/v1/namespaces/${ns}`, MGMT, { type: 'DNS' })).status, 201);
      assert.equal((await call(d1, 'PUT', `/v1/namespaces/${ns}/services/web`, MGMT, { dns: { routingPolicy: 'MULTIVALUE', records: [{ type: 'A', ttl: 5 }] } })).status, 201);
      assert.equal((await call(d1, 'PUT', `/v1/namespaces/${ns}/services/web/instances/w1`, MGMT, { attributes: { ipv4: '10.0.0.1' } })).status, 201);
    }
  });
  after(async () => {
    await stopAll([d1, d2]);
  });

  test('the matrix: read, write, namespace prefix, agent, acl, denied, anonymous', async () => {
    const s = (t: string | undefined, m: string, p: string, b?: unknown) => call(d1, m, p, t, b).then((r) => r.status);
    const R = tokens.read!.secretId, W = tokens.write!.secretId, P = tokens.prefix!.secretId, A = tokens.agent!.secretId, C = tokens.acl!.secretId;
    const inst = (ns: string) => `/v1/namespaces/${ns}/services/web/instances/w2`;
    const body = { attributes: { ipv4: '10.0.0.2' } };
    // read
    assert.equal(await s(R, 'GET', '/v1/discover/prod.internal/web'), 200);
    assert.equal(await s(R, 'PUT', inst('prod.internal'), body), 403);
    assert.equal(await s(R, 'GET', '/v1/discover/other.internal/web'), 403);
    // write
    assert.equal(await s(W, 'PUT', inst('prod.internal'), body), 201);
    assert.equal(await s(W, 'DELETE', inst('prod.internal')), 200);
    assert.equal(await s(W, 'DELETE', '/v1/namespaces/other.internal'), 403);
    assert.equal(await s(W, 'POST', '/v1/agent/leave'), 403, 'a namespace token cannot stop the daemon');
    // namespace prefix
    assert.equal(await s(P, 'PUT', inst('team-a.internal'), body), 201);
    assert.equal(await s(P, 'PUT', '/v1/namespaces/team-b.internal', { type: 'HTTP' }), 201);
    assert.equal(await s(P, 'GET', '/v1/discover/prod.internal/web'), 403);
    // agent
    assert.equal(await s(A, 'GET', '/v1/members'), 200);
    assert.equal(await s(A, 'GET', '/v1/discover/prod.internal/web'), 403);
    assert.equal(await s(A, 'GET', '/v1/acl/tokens'), 403);
    // acl
    assert.equal(await s(C, 'GET', '/v1/acl/tokens'), 200);
    assert.equal(await s(C, 'GET', '/v1/members'), 403);
    // denied: an unknown secret; anonymous: no token under defaultPolicy deny
    assert.equal(await s('no-such-secret-at-all', 'GET', '/v1/discover/prod.internal/web'), 403);
    assert.equal(await s(undefined, 'GET', '/v1/discover/prod.internal/web'), 403);
    assert.equal(await s(undefined, 'PUT', '/v1/namespaces/evil.internal', { type: 'HTTP' }), 403);
    assert.equal(await s(undefined, 'POST', '/v1/agent/leave'), 403);
    assert.equal(await s(undefined, 'GET', '/v1/status'), 200, 'status stays public (health probes)');
    const denied = await call(d1, 'GET', '/v1/discover/other.internal/web', R);
    assert.equal(denied.body.error.code, 'PermissionDenied');
    // Reads filter out what the token may not see.
    const listed = await call(d1, 'GET', '/v1/namespaces', P);
    assert.deepEqual(listed.body.namespaces.map((n: { name: string }) => n.name), ['team-a.internal', 'team-b.internal']);
  });

  test('tokens are replicated (as hashes) and work on another daemon; a deleted token stops working there', async () => {
    const W = tokens.write!.secretId;
    await waitFor(async () => (await call(d2, 'GET', '/v1/discover/prod.internal/web', W)).status === 200, 'token on d2', 15_000);
    const listed = await call(d2, 'GET', `/v1/acl/tokens/${tokens.write!.accessorId}`, MGMT);
    assert.equal(listed.status, 200);
    assert.equal(JSON.stringify(listed.body).includes(W), false, 'the secret is never shown again');
    assert.equal('secretHash' in listed.body, false);
    const t = await call(d1, 'POST', '/v1/acl/tokens', tokens.acl!.secretId, { description: 'short-lived', rules: [{ resource: 'namespace', name: 'prod.internal', access: 'read' }] });
    assert.equal(t.status, 201);
    await waitFor(async () => (await call(d2, 'GET', '/v1/discover/prod.internal/web', t.body.secretId)).status === 200, 'new token on d2', 15_000);
    assert.equal((await call(d1, 'DELETE', `/v1/acl/tokens/${t.body.accessorId}`, MGMT)).status, 200);
    await waitFor(async () => (await call(d2, 'GET', '/v1/discover/prod.internal/web', t.body.secretId)).status === 403, 'deleted token refused on d2', 15_000);
  });

  test('DNS answers with the rights of acl.dnsToken: anonymous until a token with that secret exists', async () => {
    assert.equal(await dnsRcode(d1.dnsPort, 'web.prod.internal'), 'REFUSED', 'anonymous under deny');
    const t = await call(d1, 'POST', '/v1/acl/tokens', MGMT, { description: 'dns', secretId: DNS_SECRET, rules: [{ resource: 'namespace', name: 'prod.internal', access: 'read' }] });
    assert.equal(t.status, 201, JSON.stringify(t.body));
    assert.equal((await call(d1, 'POST', '/v1/acl/tokens', MGMT, { secretId: DNS_SECRET, rules: [] })).status, 400, 'one secret, one token');
    await waitFor(async () => (await dnsRcode(d1.dnsPort, 'web.prod.internal')) === 'NOERROR', 'dns answers prod.internal');
    assert.equal(await dnsRcode(d1.dnsPort, 'web.other.internal'), 'REFUSED');
    // The token reaches the other daemon by gossip; its DNS follows.
    await waitFor(async () => (await dnsRcode(d2.dnsPort, 'web.prod.internal')) === 'NOERROR', 'dns on d2 answers prod.internal', 15_000);
  });

  test('every write is audited with the accessor id and the remote address', async () => {
    await call(d1, 'PUT', '/v1/namespaces/prod.internal/services/web/instances/w9', tokens.write!.secretId, { attributes: { ipv4: '10.0.0.9' } });
    await waitFor(() => d1.output().includes('w9'), 'audit line');
    const line = d1.output().split('\n').find((l) => l.includes('"audit":true') && l.includes('/instances/w9'))!;
    assert.ok(line, d1.output().slice(-2000));
    const rec = JSON.parse(line);
    assert.equal(rec.accessorId, tokens.write!.accessorId);
    assert.equal(rec.remote, '127.0.0.1');
    assert.equal(rec.status, 201);
  });

  test('the CLI sends --token and GRAPEVINE_TOKEN', async () => {
    const run = promisify(execFile);
    const env = { ...process.env, GRAPEVINE_HTTP_ADDR: d1.httpAddr };
    const out = await run(process.execPath, [MAIN_JS, 'acl', 'token', 'create', '--token', MGMT, '--description', 'cli', '--rule', 'namespace=prod.internal:read', '--json'], { env });
    const created = JSON.parse(out.stdout);
    assert.match(created.secretId, /^[0-9a-f-]{36}$/);
    const listed = await run(process.execPath, [MAIN_JS, 'acl', 'token', 'list'], { env: { ...env, GRAPEVINE_TOKEN: MGMT } });
    assert.ok(listed.stdout.includes(created.accessorId));
    await assert.rejects(run(process.execPath, [MAIN_JS, 'acl', 'token', 'list'], { env }), /PermissionDenied/);
    await run(process.execPath, [MAIN_JS, 'acl', 'token', 'delete', created.accessorId, '--token', MGMT], { env });
  });
});

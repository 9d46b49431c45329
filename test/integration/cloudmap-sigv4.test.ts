/**
 * Cloud Map calls signed with a token's AWS access key pair (SigV4), through the AWS
 * SDK v3, against real daemons with ACLs on: the right key works with the token's
 * rights, a wrong secret or an unknown key is refused with nothing written, and a
 * replicated token's key works on a second daemon.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateHttpNamespaceCommand, GetOperationCommand, ListNamespacesCommand, ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { errorOf, opTargets } from './cloudmap-client.js';
import { MAIN_JS, startDaemon, stopAll, tempDir, waitFor, type Daemon } from './helpers/daemon.js';

const MGMT = 'management-secret-0123456789';

async function call(d: Daemon, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(d.httpUrl + path, { method, headers, signal: AbortSignal.timeout(10_000), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: await res.json() };
}

function client(d: Daemon, accessKeyId: string, secretAccessKey: string): ServiceDiscoveryClient {
  return new ServiceDiscoveryClient({ endpoint: d.httpUrl, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey }, disableHostPrefix: true, maxAttempts: 1 });
}

describe('Cloud Map API with SigV4 and ACL tokens (AWS SDK v3)', { timeout: 120_000 }, () => {
  let d1: Daemon;
  let d2: Daemon;
  const dir = tempDir('grapevine-sigv4-');
  let writer: { accessorId: string; awsAccessKeyId: string; awsSecretAccessKey: string };
  let reader: { accessorId: string; awsAccessKeyId: string; awsSecretAccessKey: string };

  before(async () => {
    const cfg = join(dir, 'acl.json');
    writeFileSync(cfg, JSON.stringify({ acl: { enabled: true, defaultPolicy: 'deny', initialManagementToken: MGMT } }));
    d1 = await startDaemon({ name: 'sig1', configFile: cfg });
    d2 = await startDaemon({ name: 'sig2', configFile: cfg, join: [d1.gossipAddr] });
    const mk = async (description: string, rules: unknown[]) => {
      const r = await call(d1, 'POST', '/v1/acl/tokens', MGMT, { description, rules, awsAccessKey: true });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.match(r.body.awsAccessKeyId, /^[A-Z0-9]{20}$/);
      assert.match(r.body.awsSecretAccessKey, /^[A-Za-z0-9+/]{40}$/);
      return r.body;
    };
    writer = await mk('sdk writer', [{ resource: 'namespace', name: 'sig-', prefix: true, access: 'write' }]);
    reader = await mk('sdk reader', [{ resource: 'namespace', name: 'sig-', prefix: true, access: 'read' }]);
    // A namespace no SDK token may read: lists must not show it.
    assert.equal((await call(d1, 'PUT', '/v1/namespaces/hidden.internal', MGMT, { type: 'HTTP' })).status, 201);
  });
  after(async () => {
    await stopAll([d1, d2]);
  });

  test('the secret access key is shown once: listing and getting a token show only the key id', async () => {
    const got = await call(d1, 'GET', `/v1/acl/tokens/${writer.accessorId}`, MGMT);
    assert.equal(got.body.awsAccessKeyId, writer.awsAccessKeyId);
    assert.equal(got.body.awsSecretAccessKey, undefined);
    const listed = await call(d1, 'GET', '/v1/acl/tokens', MGMT);
    assert.ok(!JSON.stringify(listed.body).includes(writer.awsSecretAccessKey));
  });

  test('the right credentials: create, poll and list with the token rights', async () => {
    const c = client(d1, writer.awsAccessKeyId, writer.awsSecretAccessKey);
    const created = await c.send(new CreateHttpNamespaceCommand({ Name: 'sig-a.internal' }));
    const targets = await opTargets(c, created.OperationId);
    assert.ok(targets.NAMESPACE?.startsWith('ns-'));
    const names = (await c.send(new ListNamespacesCommand({}))).Namespaces?.map((n) => n.Name);
    assert.deepEqual(names, ['sig-a.internal'], 'hidden.internal is not the token\'s to read');
    // Outside its rules the writer is refused, and nothing is written.
    const denied = await errorOf(c.send(new CreateHttpNamespaceCommand({ Name: 'other.internal' })));
    assert.equal(denied.name, 'AccessDeniedException');
    assert.equal(denied.status, 403);
    assert.equal((await call(d1, 'GET', '/v1/namespaces/other.internal', MGMT)).status, 404);
  });

  test('a read-only token key can list but not create', async () => {
    const c = client(d1, reader.awsAccessKeyId, reader.awsSecretAccessKey);
    await waitFor(async () => (await c.send(new ListNamespacesCommand({}))).Namespaces?.some((n) => n.Name === 'sig-a.internal') || undefined, 'the reader lists sig-a.internal');
    const e = await errorOf(c.send(new CreateHttpNamespaceCommand({ Name: 'sig-b.internal' })));
    assert.equal(e.name, 'AccessDeniedException');
    assert.equal(e.status, 403);
    assert.equal((await call(d1, 'GET', '/v1/namespaces/sig-b.internal', MGMT)).status, 404);
  });

  test('a wrong secret is refused, and nothing is written', async () => {
    const wrong = `${writer.awsSecretAccessKey.slice(0, -1)}${writer.awsSecretAccessKey.endsWith('A') ? 'B' : 'A'}`;
    const c = client(d1, writer.awsAccessKeyId, wrong);
    const e = await errorOf(c.send(new CreateHttpNamespaceCommand({ Name: 'sig-wrong.internal' })));
    assert.equal(e.name, 'InvalidSignatureException');
    assert.equal(e.status, 403);
    assert.equal((await errorOf(c.send(new ListNamespacesCommand({})))).name, 'InvalidSignatureException');
    assert.equal((await call(d1, 'GET', '/v1/namespaces/sig-wrong.internal', MGMT)).status, 404);
  });

  test('an unknown access key is refused', async () => {
    const c = client(d1, 'GVAKUNKNOWNUNKNOWN00', writer.awsSecretAccessKey);
    const e = await errorOf(c.send(new CreateHttpNamespaceCommand({ Name: 'sig-unknown.internal' })));
    assert.equal(e.name, 'UnrecognizedClientException');
    assert.equal(e.status, 403);
    assert.equal((await call(d1, 'GET', '/v1/namespaces/sig-unknown.internal', MGMT)).status, 404);
  });

  test('a Grapevine token header still works for Cloud Map calls', async () => {
    const res = await fetch(`${d1.httpUrl}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Route53AutoNaming_v20170314.ListNamespaces', 'x-grapevine-token': MGMT },
      body: '{}',
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(res.status, 200);
    assert.ok(((await res.json()) as { Namespaces: { Name: string }[] }).Namespaces.some((n) => n.Name === 'sig-a.internal'));
  });

  test('a replicated token key works on a second daemon', async () => {
    const c = client(d2, writer.awsAccessKeyId, writer.awsSecretAccessKey);
    const created = await waitFor(async () => {
      try {
        return await c.send(new CreateHttpNamespaceCommand({ Name: 'sig-c.internal' }));
      } catch (e: any) {
        if (e.name === 'UnrecognizedClientException') return undefined;
        throw e;
      }
    }, 'the token reaches the second daemon');
    const op = await c.send(new GetOperationCommand({ OperationId: created!.OperationId! }));
    assert.equal(op.Operation?.Status, 'SUCCESS');
    assert.equal((await call(d2, 'GET', '/v1/namespaces/sig-c.internal', MGMT)).status, 200);
  });

  test('grapevine acl token create --aws-access-key prints a key pair the SDK signs with', async () => {
    const run = promisify(execFile);
    const env = { ...process.env, GRAPEVINE_HTTP_ADDR: d1.httpAddr };
    const out = await run(process.execPath, [MAIN_JS, 'acl', 'token', 'create', '--token', MGMT, '--rule', 'namespace-prefix=sig-:read', '--aws-access-key', '--json'], { env });
    const t = JSON.parse(out.stdout);
    const c = client(d1, t.awsAccessKeyId, t.awsSecretAccessKey);
    await c.send(new ListNamespacesCommand({}));
    const text = await run(process.execPath, [MAIN_JS, 'acl', 'token', 'create', '--token', MGMT, '--aws-access-key'], { env });
    assert.match(text.stdout, /AWS access key id: +[A-Z0-9]{20}\nAWS secret access key: +\S{40}/);
  });
});

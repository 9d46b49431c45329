/**
 * Health across a real 3-daemon cluster: a CUSTOM status set on node 1 is seen on
 * node 3 through discovery and DNS, heartbeats and custom status sent to a node that
 * does not own the instance still reach its owner, a drain started anywhere hides
 * the instance everywhere, and killing the owner makes its instances UNHEALTHY on
 * the others.
 */
import assert from 'node:assert/strict';
import dnsp from 'node:dns/promises';
import { after, before, describe, it } from 'node:test';
import { api, startDaemon, waitFor, type Daemon } from './helpers/daemon.js';

const NS = 'cluster.internal';

async function ok(p: Promise<{ status: number; body: any }>, what: string): Promise<any> {
  const r = await p;
  assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function view(d: Daemon, svc: string, id: string): Promise<any> {
  const r = await api(d, 'GET', `/v1/namespaces/${NS}/services/${svc}/instances/${id}`);
  return r.status === 200 ? r.body : undefined;
}

async function discoverIds(d: Daemon, svc: string): Promise<string[]> {
  const r = await api(d, 'GET', `/v1/discover/${NS}/${svc}`);
  return r.status === 200 ? (r.body.instances as { id: string }[]).map((i) => i.id).sort() : [];
}

async function aliveCount(d: Daemon): Promise<number> {
  const r = await api(d, 'GET', '/v1/members');
  return r.status === 200 ? (r.body.members as { status: string }[]).filter((m) => m.status === 'alive').length : 0;
}

describe('health in a 3-node cluster', { timeout: 120_000 }, () => {
  const ds: Daemon[] = [];

  before(async () => {
    ds.push(await startDaemon({ name: 'c1' }));
    ds.push(await startDaemon({ name: 'c2', join: [ds[0].gossipAddr] }));
    ds.push(await startDaemon({ name: 'c3', join: [ds[0].gossipAddr] }));
    await waitFor(async () => (await Promise.all(ds.map(aliveCount))).every((n) => n === 3), 'all three members alive everywhere', 20_000);
    await ok(api(ds[0], 'PUT', `/v1/namespaces/${NS}`, { type: 'DNS' }), 'namespace');
    await ok(api(ds[0], 'PUT', `/v1/namespaces/${NS}/services/api`, { healthCheck: { type: 'CUSTOM' } }), 'service');
    await ok(api(ds[0], 'PUT', `/v1/namespaces/${NS}/services/beat`, { dns: { routingPolicy: 'MULTIVALUE', records: [{ type: 'A', ttl: 0 }] }, healthCheck: { type: 'TTL', ttlMs: 3000 } }), 'service');
    await ok(api(ds[0], 'PUT', `/v1/namespaces/${NS}/services/api/instances/a1`, { attributes: { ipv4: '10.1.0.1', port: '80' } }), 'register a1');
    await ok(api(ds[0], 'PUT', `/v1/namespaces/${NS}/services/api/instances/a2`, { attributes: { ipv4: '10.1.0.2', port: '80' } }), 'register a2');
    await waitFor(async () => (await discoverIds(ds[2], 'api')).length === 2, 'instances replicated to c3', 15_000, 50);
  });
  after(async () => {
    for (const d of ds) {
      await d.stop();
      d.cleanup();
    }
  });

  it('a CUSTOM status set on node 1 is seen on node 3 through discovery and DNS', async () => {
    await ok(api(ds[0], 'PUT', `/v1/namespaces/${NS}/services/api/instances/a1/health`, { status: 'UNHEALTHY' }), 'custom health');
    await waitFor(async () => (await discoverIds(ds[2], 'api')).join() === 'a2', 'a1 hidden on c3', 10_000, 20);
    assert.equal((await view(ds[2], 'api', 'a1')).health, 'UNHEALTHY');
    const resolver = new dnsp.Resolver({ timeout: 2000, tries: 2 });
    resolver.setServers([`127.0.0.1:${ds[2].dnsPort}`]);
    await waitFor(async () => (await resolver.resolve4(`api.${NS}`)).join() === '10.1.0.2', 'DNS on c3 drops a1', 10_000, 50);
    // And back, set from another node (c2 does not own a1): the owner adopts it.
    await ok(api(ds[1], 'PUT', `/v1/namespaces/${NS}/services/api/instances/a1/health`, { status: 'HEALTHY' }), 'custom health from c2');
    await waitFor(async () => (await Promise.all(ds.map((d) => discoverIds(d, 'api')))).every((ids) => ids.join() === 'a1,a2'), 'a1 back everywhere', 10_000, 20);
  });

  it('heartbeats sent to a node that does not own the instance keep it HEALTHY', async () => {
    await ok(api(ds[0], 'PUT', `/v1/namespaces/${NS}/services/beat/instances/b1`, { attributes: { ipv4: '10.2.0.1' } }), 'register b1');
    await waitFor(async () => (await view(ds[1], 'beat', 'b1')) !== undefined, 'b1 on c2', 10_000, 20);
    for (let i = 0; i < 6; i++) {
      await ok(api(ds[1], 'PUT', `/v1/namespaces/${NS}/services/beat/instances/b1/heartbeat`, { note: `via c2 #${i}` }), 'heartbeat via c2');
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal((await view(ds[0], 'beat', 'b1')).health, 'HEALTHY', `owner sees heartbeat ${i}`);
    }
    await waitFor(async () => (await view(ds[2], 'beat', 'b1'))?.health === 'UNHEALTHY', 'b1 UNHEALTHY everywhere once heartbeats stop', 15_000, 100);
    assert.equal((await view(ds[0], 'beat', 'b1')).healthReason, 'TTL_EXPIRED');
  });

  it('a drain sent to a non-owner hides the instance everywhere at once and removes it later', async () => {
    await ok(api(ds[0], 'PUT', `/v1/namespaces/${NS}/services/api/instances/a3`, { attributes: { ipv4: '10.1.0.3', port: '80' } }), 'register a3');
    await waitFor(async () => (await discoverIds(ds[2], 'api')).includes('a3'), 'a3 on c3', 10_000, 20);
    await ok(api(ds[2], 'DELETE', `/v1/namespaces/${NS}/services/api/instances/a3?drainMs=2000`), 'drain via c3');
    await waitFor(async () => (await Promise.all(ds.map((d) => discoverIds(d, 'api')))).every((ids) => !ids.includes('a3')), 'a3 hidden everywhere', 5_000, 20);
    await waitFor(async () => (await Promise.all(ds.map((d) => view(d, 'api', 'a3')))).every((v) => v === undefined), 'a3 removed everywhere', 15_000, 100);
  });

  it('killing the owner makes its instances UNHEALTHY on the other nodes', async () => {
    await ok(api(ds[1], 'PUT', `/v1/namespaces/${NS}/services/api/instances/owned-by-c2`, { attributes: { ipv4: '10.1.0.9', port: '80' } }), 'register on c2');
    await waitFor(async () => (await discoverIds(ds[2], 'api')).includes('owned-by-c2'), 'replicated to c3', 10_000, 20);
    await ds[1].kill9();
    await waitFor(async () => {
      const v = await view(ds[2], 'api', 'owned-by-c2');
      return v?.health === 'UNHEALTHY' && v.healthReason === 'NODE_FAILED';
    }, 'owned-by-c2 UNHEALTHY NODE_FAILED on c3', 20_000, 100);
    // Each node detects the failure by itself: c1 may hear of it a moment after c3.
    await waitFor(async () => !(await discoverIds(ds[0], 'api')).includes('owned-by-c2'), 'owned-by-c2 hidden from healthy lookups on c1', 20_000, 100);
    // Instances of the live owner are untouched.
    assert.deepEqual((await discoverIds(ds[0], 'api')).filter((id) => id.startsWith('a')), ['a1', 'a2']);
  });
});

/**
 * The Cloud Map API through the official AWS SDK v3 against real daemons: the whole
 * life cycle of CLOUDMAP.md §6 on one daemon (namespaces, idempotency, services,
 * instances with AWS_* attributes, DNS, discovery, custom health, revisions, tags,
 * operations, deletion), what survives a restart, and replication across 3 nodes.
 */
import assert from 'node:assert/strict';
import dnsp from 'node:dns/promises';
import { after, before, describe, it } from 'node:test';
import {
  CreateHttpNamespaceCommand,
  CreatePrivateDnsNamespaceCommand,
  CreateServiceCommand,
  DeleteNamespaceCommand,
  DeleteServiceCommand,
  DeregisterInstanceCommand,
  DiscoverInstancesCommand,
  DiscoverInstancesRevisionCommand,
  GetInstanceCommand,
  GetInstancesHealthStatusCommand,
  GetNamespaceCommand,
  GetOperationCommand,
  GetServiceAttributesCommand,
  GetServiceCommand,
  ListInstancesCommand,
  ListNamespacesCommand,
  ListOperationsCommand,
  ListServicesCommand,
  ListTagsForResourceCommand,
  RegisterInstanceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateHttpNamespaceCommand,
  UpdateInstanceCustomHealthStatusCommand,
  UpdateServiceAttributesCommand,
  UpdateServiceCommand,
  type ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { api, startDaemon, waitFor, type Daemon } from './helpers/daemon.js';
import { errorOf, opTargets, sdk } from './cloudmap-client.js';

async function aliveCount(d: Daemon): Promise<number> {
  const r = await api(d, 'GET', '/v1/members');
  return r.status === 200 ? (r.body.members as { status: string }[]).filter((m) => m.status === 'alive').length : 0;
}

async function discoverIds(c: ServiceDiscoveryClient, ns: string, svc: string, health: 'ALL' | 'HEALTHY' = 'ALL'): Promise<string[]> {
  const r = await c.send(new DiscoverInstancesCommand({ NamespaceName: ns, ServiceName: svc, HealthStatus: health }));
  return (r.Instances ?? []).map((i) => i.InstanceId!).sort();
}

describe('Cloud Map API life cycle on one daemon (AWS SDK v3)', { timeout: 120_000 }, () => {
  let d: Daemon;
  let c: ServiceDiscoveryClient;
  before(async () => {
    d = await startDaemon({ name: 'cm1' });
    c = sdk(d);
  });
  after(async () => {
    c?.destroy();
    await d?.stop();
    d?.cleanup();
  });

  let nsId = '';
  let dnsNsId = '';
  let svcId = '';
  let svcArn = '';
  let registerOp = '';

  it('creates namespaces; the operation names the id that Get and List show; creates are idempotent by CreatorRequestId', async () => {
    const op = await c.send(new CreateHttpNamespaceCommand({ Name: 'shop.example', CreatorRequestId: 'req-1', Description: 'shop', Tags: [{ Key: 'team', Value: 'a' }] }));
    nsId = (await opTargets(c, op.OperationId)).NAMESPACE!;
    assert.match(nsId, /^ns-[0-9a-z]{16}$/);
    const got = await c.send(new GetNamespaceCommand({ Id: nsId }));
    assert.equal(got.Namespace?.Name, 'shop.example');
    assert.equal(got.Namespace?.Type, 'HTTP');
    assert.equal(got.Namespace?.Properties?.HttpProperties?.HttpName, 'shop.example');
    assert.equal(got.Namespace?.CreatorRequestId, 'req-1');
    assert.ok(got.Namespace?.CreateDate instanceof Date && Math.abs(got.Namespace.CreateDate.getTime() - Date.now()) < 600_000);
    const list = await c.send(new ListNamespacesCommand({}));
    assert.deepEqual(list.Namespaces?.map((n) => n.Id), [nsId]);
    const again = await c.send(new CreateHttpNamespaceCommand({ Name: 'shop.example', CreatorRequestId: 'req-1' }));
    assert.equal((await opTargets(c, again.OperationId)).NAMESPACE, nsId);
    const dup = await errorOf(c.send(new CreateHttpNamespaceCommand({ Name: 'shop.example', CreatorRequestId: 'req-2' })));
    assert.equal(dup.name, 'NamespaceAlreadyExists');
    assert.equal(dup.error.NamespaceId, nsId);
    assert.equal(dup.error.CreatorRequestId, 'req-1');
    const dnsOp = await c.send(new CreatePrivateDnsNamespaceCommand({ Name: 'corp.internal', Vpc: 'vpc-1', Properties: { DnsProperties: { SOA: { TTL: 60 } } } }));
    dnsNsId = (await opTargets(c, dnsOp.OperationId)).NAMESPACE!;
    const dns = await c.send(new GetNamespaceCommand({ Id: dnsNsId }));
    assert.equal(dns.Namespace?.Type, 'DNS_PRIVATE');
    assert.equal(dns.Namespace?.Properties?.DnsProperties?.SOA?.TTL, 60);
    const filtered = await c.send(new ListNamespacesCommand({ Filters: [{ Name: 'TYPE', Values: ['DNS_PRIVATE'], Condition: 'EQ' }] }));
    assert.deepEqual(filtered.Namespaces?.map((n) => n.Id), [dnsNsId]);
    const upd = await c.send(new UpdateHttpNamespaceCommand({ Id: nsId, Namespace: { Description: 'the shop' } }));
    assert.equal((await opTargets(c, upd.OperationId)).NAMESPACE, nsId);
    assert.equal((await c.send(new GetNamespaceCommand({ Id: nsId }))).Namespace?.Description, 'the shop');
  });

  it('creates services (ids and ARNs, idempotency, ServiceAlreadyExists with the existing id) and lists them by namespace', async () => {
    const r = await c.send(new CreateServiceCommand({ Name: 'cart', NamespaceId: nsId, CreatorRequestId: 'svc-1', HealthCheckCustomConfig: { FailureThreshold: 1 }, Tags: [{ Key: 'tier', Value: 'web' }] }));
    svcId = r.Service!.Id!;
    svcArn = r.Service!.Arn!;
    assert.match(svcId, /^srv-[0-9a-z]{16}$/);
    assert.equal(svcArn, `arn:aws:servicediscovery:us-east-1:000000000000:service/${svcId}`);
    assert.equal(r.Service?.NamespaceId, nsId);
    assert.equal(r.Service?.Type, 'HTTP');
    assert.equal((await c.send(new CreateServiceCommand({ Name: 'cart', NamespaceId: nsId, CreatorRequestId: 'svc-1' }))).Service?.Id, svcId);
    const dup = await errorOf(c.send(new CreateServiceCommand({ Name: 'cart', NamespaceId: nsId, CreatorRequestId: 'svc-2' })));
    assert.equal(dup.name, 'ServiceAlreadyExists');
    assert.equal(dup.error.ServiceId, svcId);
    const web = await c.send(
      new CreateServiceCommand({ Name: 'web', NamespaceId: dnsNsId, DnsConfig: { RoutingPolicy: 'MULTIVALUE', DnsRecords: [{ Type: 'A', TTL: 5 }] } }),
    );
    assert.equal(web.Service?.Type, 'DNS_HTTP');
    assert.equal(web.Service?.DnsConfig?.DnsRecords?.[0]?.TTL, 5);
    const byNs = await c.send(new ListServicesCommand({ Filters: [{ Name: 'NAMESPACE_ID', Values: [nsId], Condition: 'EQ' }] }));
    assert.deepEqual(byNs.Services?.map((s) => s.Id), [svcId]);
    assert.equal((await c.send(new GetServiceCommand({ Id: svcArn }))).Service?.Name, 'cart');
  });

  it('registers instances that read back exactly as registered, with AWS_* keys meaning the native ones (DNS included)', async () => {
    const attrs = { AWS_INSTANCE_IPV4: '10.0.0.7', AWS_INSTANCE_PORT: '8080', AWS_INIT_HEALTH_STATUS: 'UNHEALTHY', color: 'blue' };
    const before = (await c.send(new DiscoverInstancesRevisionCommand({ NamespaceName: 'shop.example', ServiceName: 'cart' }))).InstancesRevision!;
    const op = await c.send(new RegisterInstanceCommand({ ServiceId: svcId, InstanceId: 'i-1', CreatorRequestId: 'reg-1', Attributes: attrs }));
    registerOp = op.OperationId!;
    assert.deepEqual(await opTargets(c, registerOp), { INSTANCE: 'i-1' });
    const got = await c.send(new GetInstanceCommand({ ServiceId: svcId, InstanceId: 'i-1' }));
    assert.deepEqual(got.Instance?.Attributes, attrs);
    assert.equal(got.Instance?.CreatorRequestId, 'reg-1');
    const native = await api(d, 'GET', '/v1/namespaces/shop.example/services/cart/instances/i-1');
    // The native API shows the instance as registered too (AWS_* names), and they are the reserved attributes (DNS below).
    assert.deepEqual(native.body.attributes, attrs);
    const listed = await c.send(new ListInstancesCommand({ ServiceId: svcId }));
    assert.deepEqual(listed.Instances, [{ Id: 'i-1', Attributes: attrs }]);
    // AWS_INIT_HEALTH_STATUS made the CUSTOM instance start UNHEALTHY.
    assert.deepEqual(await discoverIds(c, 'shop.example', 'cart', 'HEALTHY'), []);
    const all = await c.send(new DiscoverInstancesCommand({ NamespaceName: 'shop.example', ServiceName: 'cart', HealthStatus: 'ALL', QueryParameters: { AWS_INSTANCE_IPV4: '10.0.0.7' } }));
    assert.equal(all.Instances?.length, 1);
    assert.deepEqual(all.Instances?.[0], { InstanceId: 'i-1', NamespaceName: 'shop.example', ServiceName: 'cart', HealthStatus: 'UNHEALTHY', Attributes: attrs });
    assert.ok(all.InstancesRevision! > before, 'a registration moves InstancesRevision');
    // An A-record service needs AWS_INSTANCE_IPV4; the registered address is what DNS answers.
    const webId = (await c.send(new ListServicesCommand({ Filters: [{ Name: 'NAMESPACE_ID', Values: [dnsNsId] }] }))).Services![0]!.Id!;
    const bad = await errorOf(c.send(new RegisterInstanceCommand({ ServiceId: webId, InstanceId: 'w-1', Attributes: { color: 'x' } })));
    assert.equal(bad.name, 'InvalidInput');
    await c.send(new RegisterInstanceCommand({ ServiceId: webId, InstanceId: 'w-1', Attributes: { AWS_INSTANCE_IPV4: '10.9.9.9' } }));
    const resolver = new dnsp.Resolver({ timeout: 2000, tries: 2 });
    resolver.setServers([`127.0.0.1:${d.dnsPort}`]);
    assert.deepEqual(await resolver.resolve4('web.corp.internal'), ['10.9.9.9']);
  });

  it('applies custom health at once, without moving InstancesRevision', async () => {
    const rev = (await c.send(new DiscoverInstancesRevisionCommand({ NamespaceName: 'shop.example', ServiceName: 'cart' }))).InstancesRevision!;
    const r = await c.send(new UpdateInstanceCustomHealthStatusCommand({ ServiceId: svcId, InstanceId: 'i-1', Status: 'HEALTHY' }));
    assert.equal(r.$metadata.httpStatusCode, 200);
    assert.deepEqual(await discoverIds(c, 'shop.example', 'cart', 'HEALTHY'), ['i-1']);
    const hs = await c.send(new GetInstancesHealthStatusCommand({ ServiceId: svcId }));
    assert.deepEqual(hs.Status, { 'i-1': 'HEALTHY' });
    const d2 = await c.send(new DiscoverInstancesCommand({ NamespaceName: 'shop.example', ServiceName: 'cart' }));
    assert.equal(d2.InstancesRevision, rev);
  });

  it('updates services, tags resources and keeps service attributes', async () => {
    const op = await c.send(new UpdateServiceCommand({ Id: svcId, Service: { Description: 'carts' } }));
    assert.deepEqual(await opTargets(c, op.OperationId), { SERVICE: svcId });
    const s = (await c.send(new GetServiceCommand({ Id: svcId }))).Service!;
    assert.equal(s.Description, 'carts');
    assert.ok(s.HealthCheckCustomConfig, 'a custom check stays');
    await c.send(new TagResourceCommand({ ResourceARN: svcArn, Tags: [{ Key: 'owner', Value: 'me' }] }));
    await c.send(new UntagResourceCommand({ ResourceARN: svcArn, TagKeys: ['tier'] }));
    assert.deepEqual((await c.send(new ListTagsForResourceCommand({ ResourceARN: svcArn }))).Tags, [{ Key: 'owner', Value: 'me' }]);
    const nsArn = (await c.send(new GetNamespaceCommand({ Id: nsId }))).Namespace!.Arn!;
    assert.deepEqual((await c.send(new ListTagsForResourceCommand({ ResourceARN: nsArn }))).Tags, [{ Key: 'team', Value: 'a' }]);
    // A native update keeps what the Cloud Map API stored with the record.
    assert.equal((await api(d, 'PUT', '/v1/namespaces/shop.example', { type: 'HTTP', description: 'native' })).status, 200);
    assert.deepEqual((await c.send(new ListTagsForResourceCommand({ ResourceARN: nsArn }))).Tags, [{ Key: 'team', Value: 'a' }]);
    assert.equal((await c.send(new GetNamespaceCommand({ Id: nsId }))).Namespace?.CreatorRequestId, 'req-1');
    await c.send(new UpdateServiceAttributesCommand({ ServiceId: svcId, Attributes: { a: '1' } }));
    assert.deepEqual((await c.send(new GetServiceAttributesCommand({ ServiceId: svcId }))).ServiceAttributes?.Attributes, { a: '1' });
  });

  it('keeps operations and InstancesRevision across a restart', async () => {
    const rev = (await c.send(new DiscoverInstancesRevisionCommand({ NamespaceName: 'shop.example', ServiceName: 'cart' }))).InstancesRevision!;
    c.destroy();
    await d.stop();
    d = await d.restart();
    c = sdk(d);
    assert.equal((await c.send(new GetOperationCommand({ OperationId: registerOp }))).Operation?.Type, 'REGISTER_INSTANCE');
    const ops = await c.send(new ListOperationsCommand({ Filters: [{ Name: 'TYPE', Values: ['CREATE_NAMESPACE'], Condition: 'IN' }] }));
    assert.equal(ops.Operations?.length, 3);
    const after = (await c.send(new DiscoverInstancesRevisionCommand({ NamespaceName: 'shop.example', ServiceName: 'cart' }))).InstancesRevision!;
    assert.ok(after >= rev, `revision went from ${rev} to ${after}`);
  });

  it('deregisters and deletes; afterwards Get* answer the NotFound codes', async () => {
    const rev = (await c.send(new DiscoverInstancesRevisionCommand({ NamespaceName: 'shop.example', ServiceName: 'cart' }))).InstancesRevision!;
    assert.equal((await errorOf(c.send(new DeleteServiceCommand({ Id: svcId })))).name, 'ResourceInUse');
    const op = await c.send(new DeregisterInstanceCommand({ ServiceId: svcId, InstanceId: 'i-1' }));
    assert.deepEqual(await opTargets(c, op.OperationId), { INSTANCE: 'i-1' });
    assert.ok((await c.send(new DiscoverInstancesRevisionCommand({ NamespaceName: 'shop.example', ServiceName: 'cart' }))).InstancesRevision! > rev);
    assert.equal((await errorOf(c.send(new GetInstanceCommand({ ServiceId: svcId, InstanceId: 'i-1' })))).name, 'InstanceNotFound');
    assert.equal((await errorOf(c.send(new DeleteNamespaceCommand({ Id: nsId })))).name, 'ResourceInUse');
    await c.send(new DeleteServiceCommand({ Id: svcId }));
    assert.equal((await errorOf(c.send(new GetServiceCommand({ Id: svcId })))).name, 'ServiceNotFound');
    const del = await c.send(new DeleteNamespaceCommand({ Id: nsId }));
    assert.equal((await c.send(new GetOperationCommand({ OperationId: del.OperationId! }))).Operation?.Type, 'DELETE_NAMESPACE');
    const gone = await errorOf(c.send(new GetNamespaceCommand({ Id: nsId })));
    assert.equal(gone.name, 'NamespaceNotFound');
    assert.equal(gone.status, 404);
  });
});

describe('Cloud Map API across a 3-node cluster (AWS SDK v3)', { timeout: 120_000 }, () => {
  const ds: Daemon[] = [];
  const cs: ServiceDiscoveryClient[] = [];
  before(async () => {
    ds.push(await startDaemon({ name: 'cmr1' }));
    ds.push(await startDaemon({ name: 'cmr2', join: [ds[0]!.gossipAddr] }));
    ds.push(await startDaemon({ name: 'cmr3', join: [ds[0]!.gossipAddr] }));
    for (const d of ds) cs.push(sdk(d));
    await waitFor(async () => (await Promise.all(ds.map(aliveCount))).every((n) => n === 3), 'all three members alive everywhere', 20_000);
  });
  after(async () => {
    for (const c of cs) c.destroy();
    for (const d of ds) {
      await d.stop();
      d.cleanup();
    }
  });

  it('created on node 1; got by id, discovered, health set and deregistered on node 2; all seen on node 3', async () => {
    const [c1, c2, c3] = cs as [ServiceDiscoveryClient, ServiceDiscoveryClient, ServiceDiscoveryClient];
    const nsId = (await opTargets(c1, (await c1.send(new CreateHttpNamespaceCommand({ Name: 'repl.example' }))).OperationId)).NAMESPACE!;
    const svc = (await c1.send(new CreateServiceCommand({ Name: 'api', NamespaceId: nsId, HealthCheckCustomConfig: {} }))).Service!;
    await c1.send(new RegisterInstanceCommand({ ServiceId: svc.Id!, InstanceId: 'r-1', Attributes: { AWS_INSTANCE_IPV4: '10.1.1.1', zone: 'a' } }));
    const got = await waitFor(async () => {
      try {
        return await c2.send(new GetInstanceCommand({ ServiceId: svc.Id!, InstanceId: 'r-1' }));
      } catch {
        return undefined;
      }
    }, 'the instance on node 2 by the ids node 1 gave', 15_000, 50);
    assert.deepEqual(got!.Instance?.Attributes, { AWS_INSTANCE_IPV4: '10.1.1.1', zone: 'a' });
    assert.equal((await c2.send(new GetNamespaceCommand({ Id: nsId }))).Namespace?.Name, 'repl.example');
    assert.deepEqual(await discoverIds(c2, 'repl.example', 'api', 'HEALTHY'), ['r-1']);
    const rev2 = (await c2.send(new DiscoverInstancesRevisionCommand({ NamespaceName: 'repl.example', ServiceName: 'api' }))).InstancesRevision!;

    await c2.send(new UpdateInstanceCustomHealthStatusCommand({ ServiceId: svc.Id!, InstanceId: 'r-1', Status: 'UNHEALTHY' }));
    await waitFor(async () => (await discoverIds(c3, 'repl.example', 'api', 'HEALTHY')).length === 0, 'UNHEALTHY seen on node 3', 15_000, 50);
    assert.deepEqual((await c3.send(new GetInstancesHealthStatusCommand({ ServiceId: svc.Id! }))).Status, { 'r-1': 'UNHEALTHY' });

    // A registration that node 2 only receives by replication still moves its revision.
    await c1.send(new RegisterInstanceCommand({ ServiceId: svc.Id!, InstanceId: 'r-2', Attributes: { zone: 'b' } }));
    await waitFor(async () => (await discoverIds(c2, 'repl.example', 'api')).length === 2, 'r-2 on node 2', 15_000, 50);
    assert.ok((await c2.send(new DiscoverInstancesRevisionCommand({ NamespaceName: 'repl.example', ServiceName: 'api' }))).InstancesRevision! > rev2);

    const op = await c2.send(new DeregisterInstanceCommand({ ServiceId: svc.Id!, InstanceId: 'r-1' }));
    assert.equal((await c2.send(new GetOperationCommand({ OperationId: op.OperationId! }))).Operation?.Status, 'SUCCESS');
    await waitFor(async () => (await discoverIds(c3, 'repl.example', 'api')).join() === 'r-2', 'the deregistration seen on node 3', 15_000, 50);
    assert.equal((await errorOf(c3.send(new GetInstanceCommand({ ServiceId: svc.Id!, InstanceId: 'r-1' })))).name, 'InstanceNotFound');
    await waitFor(async () => {
      const revs = await Promise.all(cs.map(async (c) => (await c.send(new DiscoverInstancesRevisionCommand({ NamespaceName: 'repl.example', ServiceName: 'api' }))).InstancesRevision));
      return new Set(revs).size === 1;
    }, 'every node agrees on InstancesRevision', 15_000, 50);
  });
});

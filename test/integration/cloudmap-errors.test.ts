/**
 * Cloud Map API errors through the AWS SDK v3: every code of CLOUDMAP.md §2 that the
 * daemon can produce, with its HTTP status and extra members, and nothing written (the
 * state digest is unchanged). The protocol errors (unknown target, a body that is not
 * JSON) need a request the SDK cannot make, so those two go out by fetch. Then the
 * SDK's paginators over several pages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateHttpNamespaceCommand,
  CreatePrivateDnsNamespaceCommand,
  CreateServiceCommand,
  DeleteNamespaceCommand,
  DeleteServiceCommand,
  DeregisterInstanceCommand,
  DiscoverInstancesCommand,
  GetInstanceCommand,
  GetNamespaceCommand,
  GetOperationCommand,
  GetServiceCommand,
  ListTagsForResourceCommand,
  RegisterInstanceCommand,
  TagResourceCommand,
  UpdateInstanceCustomHealthStatusCommand,
  UpdateServiceAttributesCommand,
  paginateGetInstancesHealthStatus,
  paginateListInstances,
  paginateListNamespaces,
  paginateListOperations,
  paginateListServices,
  type ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { api, startDaemon, type Daemon } from './helpers/daemon.js';
import { errorOf, opTargets, sdk } from './cloudmap-client.js';

describe('Cloud Map API errors and paginators (AWS SDK v3)', { timeout: 120_000 }, () => {
  let d: Daemon;
  let c: ServiceDiscoveryClient;
  let nsId = '';
  let dnsNsId = '';
  let svcId = '';
  let plainSvcId = '';
  let webId = '';
  before(async () => {
    d = await startDaemon({ name: 'cme' });
    c = sdk(d);
    nsId = (await opTargets(c, (await c.send(new CreateHttpNamespaceCommand({ Name: 'err.example', CreatorRequestId: 'one' }))).OperationId)).NAMESPACE!;
    dnsNsId = (await opTargets(c, (await c.send(new CreatePrivateDnsNamespaceCommand({ Name: 'err.internal', Vpc: 'v' }))).OperationId)).NAMESPACE!;
    svcId = (await c.send(new CreateServiceCommand({ Name: 'api', NamespaceId: nsId, CreatorRequestId: 's1', HealthCheckCustomConfig: {} }))).Service!.Id!;
    plainSvcId = (await c.send(new CreateServiceCommand({ Name: 'plain', NamespaceId: nsId }))).Service!.Id!;
    webId = (await c.send(new CreateServiceCommand({ Name: 'web', NamespaceId: dnsNsId, DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 10 }] } }))).Service!.Id!;
    await c.send(new RegisterInstanceCommand({ ServiceId: svcId, InstanceId: 'i-1', Attributes: { k: 'v' } }));
    await c.send(new RegisterInstanceCommand({ ServiceId: plainSvcId, InstanceId: 'p-1', Attributes: { k: 'v' } }));
  });
  after(async () => {
    c?.destroy();
    await d?.stop();
    d?.cleanup();
  });

  const digest = async () => (await api(d, 'GET', '/v1/state/digest')).body.digest as string;
  const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));

  async function expectError(call: () => Promise<unknown>, name: string, status: number, message?: RegExp): Promise<any> {
    const before = await digest();
    const e = await errorOf(call());
    assert.equal(e.name, name, `${e.name}: ${e.error?.message}`);
    assert.equal(e.status, status);
    if (message) assert.match(e.error.message, message);
    assert.equal(await digest(), before, `${name}: nothing is written`);
    return e.error;
  }

  it('InvalidInput names the member', async () => {
    await expectError(() => c.send(new RegisterInstanceCommand({ ServiceId: svcId, InstanceId: 'bad id!', Attributes: {} })), 'InvalidInput', 400, /InstanceId/);
    await expectError(() => c.send(new RegisterInstanceCommand({ ServiceId: webId, InstanceId: 'w', Attributes: {} })), 'InvalidInput', 400, /AWS_INSTANCE_IPV4/);
    await expectError(() => c.send(new RegisterInstanceCommand({ ServiceId: webId, InstanceId: 'w', Attributes: { AWS_INSTANCE_IPV4: '300.1.1.1' } })), 'InvalidInput', 400, /AWS_INSTANCE_IPV4/);
    await expectError(() => c.send(new CreateServiceCommand({ Name: 'x', NamespaceId: dnsNsId, DnsConfig: { DnsRecords: [{ Type: 'A', TTL: -1 }] } })), 'InvalidInput', 400, /DnsRecords\[0\]\.TTL/);
    await expectError(() => c.send(new CreateHttpNamespaceCommand({ Name: 'not a name' })), 'InvalidInput', 400, /Name/);
    await expectError(() => c.send(new GetNamespaceCommand({ Id: 'srv-abc' })), 'InvalidInput', 400, /Id/);
    await expectError(() => c.send(new DiscoverInstancesCommand({ NamespaceName: 'err.example', ServiceName: 'api', MaxResults: 1001 })), 'InvalidInput', 400, /MaxResults/);
  });

  it('the NotFound codes', async () => {
    await expectError(() => c.send(new GetNamespaceCommand({ Id: 'ns-aaaaaaaaaaaaaaaa' })), 'NamespaceNotFound', 404);
    await expectError(() => c.send(new CreateServiceCommand({ Name: 'x', NamespaceId: 'ns-aaaaaaaaaaaaaaaa' })), 'NamespaceNotFound', 404);
    await expectError(() => c.send(new DiscoverInstancesCommand({ NamespaceName: 'nope.example', ServiceName: 'api' })), 'NamespaceNotFound', 404);
    await expectError(() => c.send(new GetServiceCommand({ Id: 'srv-aaaaaaaaaaaaaaaa' })), 'ServiceNotFound', 404);
    await expectError(() => c.send(new RegisterInstanceCommand({ ServiceId: 'srv-aaaaaaaaaaaaaaaa', InstanceId: 'x', Attributes: {} })), 'ServiceNotFound', 404);
    await expectError(() => c.send(new DiscoverInstancesCommand({ NamespaceName: 'err.example', ServiceName: 'nope' })), 'ServiceNotFound', 404);
    await expectError(() => c.send(new GetInstanceCommand({ ServiceId: svcId, InstanceId: 'nope' })), 'InstanceNotFound', 404);
    await expectError(() => c.send(new DeregisterInstanceCommand({ ServiceId: svcId, InstanceId: 'nope' })), 'InstanceNotFound', 404);
    await expectError(() => c.send(new UpdateInstanceCustomHealthStatusCommand({ ServiceId: svcId, InstanceId: 'nope', Status: 'HEALTHY' })), 'InstanceNotFound', 404);
    await expectError(() => c.send(new GetOperationCommand({ OperationId: 'nope' })), 'OperationNotFound', 404);
    await expectError(() => c.send(new UpdateInstanceCustomHealthStatusCommand({ ServiceId: plainSvcId, InstanceId: 'p-1', Status: 'HEALTHY' })), 'CustomHealthNotFound', 404);
    await expectError(() => c.send(new ListTagsForResourceCommand({ ResourceARN: 'arn:aws:servicediscovery:us-east-1:000000000000:service/srv-aaaaaaaaaaaaaaaa' })), 'ResourceNotFoundException', 404);
  });

  it('ResourceInUse, the AlreadyExists codes with their members, and the limits', async () => {
    await expectError(() => c.send(new DeleteServiceCommand({ Id: svcId })), 'ResourceInUse', 409);
    await expectError(() => c.send(new DeleteNamespaceCommand({ Id: nsId })), 'ResourceInUse', 409);
    const ns = await expectError(() => c.send(new CreateHttpNamespaceCommand({ Name: 'err.example', CreatorRequestId: 'two' })), 'NamespaceAlreadyExists', 400);
    assert.equal(ns.NamespaceId, nsId);
    assert.equal(ns.CreatorRequestId, 'one');
    const svc = await expectError(() => c.send(new CreateServiceCommand({ Name: 'api', NamespaceId: nsId, CreatorRequestId: 's2' })), 'ServiceAlreadyExists', 400);
    assert.equal(svc.ServiceId, svcId);
    assert.equal(svc.CreatorRequestId, 's1');
    const arn = (await c.send(new GetServiceCommand({ Id: svcId }))).Service!.Arn!;
    const many = await expectError(() => c.send(new TagResourceCommand({ ResourceARN: arn, Tags: tags(51) })), 'TooManyTagsException', 400);
    assert.equal(many.ResourceName, arn);
    await expectError(() => c.send(new CreateHttpNamespaceCommand({ Name: 'tagged.example', Tags: tags(51) })), 'TooManyTagsException', 400);
    await c.send(new UpdateServiceAttributesCommand({ ServiceId: svcId, Attributes: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`a${i}`, 'v'])) }));
    await expectError(
      () => c.send(new UpdateServiceAttributesCommand({ ServiceId: svcId, Attributes: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`b${i}`, 'v'])) })),
      'ServiceAttributesLimitExceededException',
      400,
    );
  });

  it('protocol errors: an unknown X-Amz-Target and a body that is not JSON', async () => {
    const post = async (target: string, body: string) => {
      const before = await digest();
      const r = await fetch(`${d.httpUrl}/`, { method: 'POST', headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1' }, body });
      const json = (await r.json()) as { __type: string; message: string };
      assert.equal(await digest(), before);
      return { status: r.status, json };
    };
    const unknown = await post('Route53AutoNaming_v20170314.LaunchRockets', '{}');
    assert.deepEqual([unknown.status, unknown.json.__type], [400, 'UnknownOperationException']);
    const bad = await post('Route53AutoNaming_v20170314.CreateHttpNamespace', '{"Name": ');
    assert.deepEqual([bad.status, bad.json.__type], [400, 'SerializationException']);
    assert.equal(typeof bad.json.message, 'string');
  });

  it('the SDK paginators walk more than one page', async () => {
    for (let i = 0; i < 7; i++) await c.send(new RegisterInstanceCommand({ ServiceId: svcId, InstanceId: `pg-${i}`, Attributes: { n: String(i) } }));
    for (let i = 0; i < 4; i++) await c.send(new CreateHttpNamespaceCommand({ Name: `page${i}.example` }));
    for (let i = 0; i < 4; i++) await c.send(new CreateServiceCommand({ Name: `s${i}`, NamespaceId: nsId }));
    const collect = async <T>(pages: AsyncIterable<T>, items: (p: T) => unknown[]) => {
      let n = 0;
      const all: unknown[] = [];
      for await (const p of pages) {
        n++;
        all.push(...items(p));
      }
      return { pages: n, all };
    };
    const insts = await collect(paginateListInstances({ client: c, pageSize: 3 }, { ServiceId: svcId }), (p) => p.Instances ?? []);
    assert.equal(insts.all.length, 8);
    assert.equal(insts.pages, 3);
    assert.equal(new Set(insts.all.map((i: any) => i.Id)).size, 8);
    const nss = await collect(paginateListNamespaces({ client: c, pageSize: 2 }, {}), (p) => p.Namespaces ?? []);
    assert.equal(nss.all.length, 6);
    assert.equal(nss.pages, 3);
    const svcs = await collect(paginateListServices({ client: c, pageSize: 2 }, {}), (p) => p.Services ?? []);
    assert.equal(svcs.all.length, 7);
    assert.ok(svcs.pages >= 4);
    const ops = await collect(paginateListOperations({ client: c, pageSize: 5 }, {}), (p) => p.Operations ?? []);
    assert.equal(new Set(ops.all.map((o: any) => o.Id)).size, ops.all.length);
    assert.ok(ops.all.length >= 15 && ops.pages >= 3, `${ops.all.length} operations in ${ops.pages} pages`);
    const hs = await collect(paginateGetInstancesHealthStatus({ client: c, pageSize: 3 }, { ServiceId: svcId }), (p) => Object.keys(p.Status ?? {}));
    assert.equal(new Set(hs.all).size, 8);
    assert.equal(hs.pages, 3);
  });
});

/**
 * Property: the native API and the Cloud Map API, driven with the same random sequence
 * of changes (register, re-register, deregister, custom health), give the same
 * discovery answers for the same random queries (health mode, required and optional
 * attributes). Both run against one real daemon, in two namespaces of the same shape;
 * the Cloud Map side goes through the official AWS SDK. Seeded: a failure prints its seed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  CreateHttpNamespaceCommand,
  CreateServiceCommand,
  DeregisterInstanceCommand,
  DiscoverInstancesCommand,
  RegisterInstanceCommand,
  UpdateInstanceCustomHealthStatusCommand,
  type ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { api, startDaemon, type Daemon } from '../integration/helpers/daemon.js';
import { opTargets, sdk } from '../integration/cloudmap-client.js';

type Change =
  | { kind: 'register'; id: string; zone: string; tier: string; init?: 'HEALTHY' | 'UNHEALTHY' }
  | { kind: 'deregister'; id: string }
  | { kind: 'health'; id: string; status: 'HEALTHY' | 'UNHEALTHY' };
type Query = { health: 'HEALTHY' | 'UNHEALTHY' | 'ALL' | 'HEALTHY_OR_ELSE_ALL'; zone?: string; tier?: string };

const ids = fc.constantFrom('a', 'b', 'c', 'd', 'e');
const changeArb: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant('register' as const), id: ids, zone: fc.constantFrom('z1', 'z2'), tier: fc.constantFrom('t1', 't2'), init: fc.option(fc.constantFrom('HEALTHY' as const, 'UNHEALTHY' as const), { nil: undefined }) }),
  fc.record({ kind: fc.constant('deregister' as const), id: ids }),
  fc.record({ kind: fc.constant('health' as const), id: ids, status: fc.constantFrom('HEALTHY' as const, 'UNHEALTHY' as const) }),
);
const queryArb: fc.Arbitrary<Query> = fc.record({
  health: fc.constantFrom('HEALTHY' as const, 'UNHEALTHY' as const, 'ALL' as const, 'HEALTHY_OR_ELSE_ALL' as const),
  zone: fc.option(fc.constantFrom('z1', 'z2', 'z3'), { nil: undefined }),
  tier: fc.option(fc.constantFrom('t1', 't2', 't3'), { nil: undefined }),
});

describe('native and Cloud Map APIs agree on discovery', { timeout: 120_000 }, () => {
  let d: Daemon;
  let c: ServiceDiscoveryClient;
  let round = 0;
  before(async () => {
    d = await startDaemon({ name: 'cmprop' });
    c = sdk(d);
  });
  after(async () => {
    c?.destroy();
    await d?.stop();
    d?.cleanup();
  });

  it('the same changes give the same answers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(changeArb, { minLength: 1, maxLength: 12 }), fc.array(queryArb, { minLength: 1, maxLength: 4 }), async (changes, queries) => {
        round++;
        const nat = `nat${round}.example`;
        const cm = `cm${round}.example`;
        assert.equal((await api(d, 'PUT', `/v1/namespaces/${nat}`, { type: 'HTTP' })).status, 201);
        assert.equal((await api(d, 'PUT', `/v1/namespaces/${nat}/services/svc`, { healthCheck: { type: 'CUSTOM' } })).status, 201);
        const nsId = (await opTargets(c, (await c.send(new CreateHttpNamespaceCommand({ Name: cm }))).OperationId)).NAMESPACE!;
        const svcId = (await c.send(new CreateServiceCommand({ Name: 'svc', NamespaceId: nsId, HealthCheckCustomConfig: {} }))).Service!.Id!;
        for (const ch of changes) {
          const base = `/v1/namespaces/${nat}/services/svc/instances/${ch.id}`;
          if (ch.kind === 'register') {
            const attributes: Record<string, string> = { zone: ch.zone, tier: ch.tier };
            if (ch.init) attributes.AWS_INIT_HEALTH_STATUS = ch.init;
            const n = await api(d, 'PUT', base, { attributes });
            const r = await c.send(new RegisterInstanceCommand({ ServiceId: svcId, InstanceId: ch.id, Attributes: attributes })).then(() => 200, (e) => e.$metadata?.httpStatusCode);
            assert.equal(n.status < 300, r === 200);
          } else {
            const n = ch.kind === 'deregister' ? await api(d, 'DELETE', base) : await api(d, 'PUT', `${base}/health`, { status: ch.status });
            const call =
              ch.kind === 'deregister'
                ? new DeregisterInstanceCommand({ ServiceId: svcId, InstanceId: ch.id })
                : new UpdateInstanceCustomHealthStatusCommand({ ServiceId: svcId, InstanceId: ch.id, Status: ch.status });
            const r = await c.send(call as any).then(() => 200, (e: any) => e.$metadata?.httpStatusCode);
            assert.equal(n.status, r, `${ch.kind} ${ch.id}: native ${n.status}, Cloud Map ${r}`);
          }
        }
        for (const q of queries) {
          const params = new URLSearchParams({ health: q.health, max: '1000' });
          if (q.zone) params.set('attr.zone', q.zone);
          if (q.tier) params.set('optional.tier', q.tier);
          const n = await api(d, 'GET', `/v1/discover/${nat}/svc?${params}`);
          const r = await c.send(
            new DiscoverInstancesCommand({
              NamespaceName: cm,
              ServiceName: 'svc',
              HealthStatus: q.health,
              MaxResults: 1000,
              ...(q.zone ? { QueryParameters: { zone: q.zone } } : {}),
              ...(q.tier ? { OptionalParameters: { tier: q.tier } } : {}),
            }),
          );
          const native = (n.body.instances as any[]).map((i) => `${i.id}:${i.health}:${JSON.stringify(i.attributes)}`).sort();
          const cloudMap = (r.Instances ?? []).map((i) => `${i.InstanceId}:${i.HealthStatus}:${JSON.stringify(i.Attributes)}`).sort();
          assert.deepEqual(cloudMap, native, JSON.stringify(q));
        }
      }),
      { numRuns: 25, seed: Number(process.env.GRAPEVINE_SEED ?? 20261201), endOnFailure: true },
    );
  });
});

import { OPEN_IDENTITY } from '../../../src/http/gate.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as packet from 'dns-packet';
import { ViewCache } from '../../../src/core/discovery.js';
import { DnsResponder } from '../../../src/core/dns/responder.js';
import { seededRandom } from '../../../src/core/gossip/types.js';
import { healthKey, instanceKey, namespaceKey, serviceKey } from '../../../src/core/keys.js';
import type { HealthStatus } from '../../../src/core/types.js';
import { buildRouter } from '../../../src/http/server.js';
import type { ApiDeps, ApiResponse } from '../../../src/http/types.js';
import { silentLogger } from '../../../src/obs/logger.js';
import { RealClock } from '../../../src/runtime/clock.js';
import { GrapevineNode } from '../../../src/runtime/node.js';
import { ServiceWaiters } from '../../../src/runtime/waiters.js';
import { MemoryStore } from '../../../src/storage/memory-store.js';

const NS = 'same.internal';

/**
 * DNS and HTTP choose instances by one rule: for the same registry, the DNS answer of
 * a service name (A, and SRV over TCP, which carries every instance) names the same
 * instances as GET /v1/discover with health=HEALTHY_OR_ELSE_ALL, through every health
 * mix, including fail open, drains, and changes read through the cache they share.
 */
test('DNS and HTTP discovery give the same instance set for the same registry (HEALTHY_OR_ELSE_ALL)', async () => {
  const node = new GrapevineNode('n1', new MemoryStore(), new RealClock());
  await node.start();
  const viewCache = new ViewCache();
  const deps: ApiDeps = {
    ctx: { node, membership: { members: () => [], leave: async () => {} }, stateDigest: () => '', version: 't' },
    waiters: new ServiceWaiters(node, new RealClock()),
    random: seededRandom(5),
    logger: silentLogger(),
    viewCache,
  };
  const router = buildRouter(deps);
  const dns = new DnsResponder(node.registry, seededRandom(6), { viewCache });
  try {
    await node.write([
      { key: namespaceKey(NS), value: { name: NS, type: 'DNS', description: '', soaTtl: 15, createdAtMs: 0 } },
      {
        key: serviceKey(NS, 'web'),
        value: { namespace: NS, name: 'web', description: '', dns: { routingPolicy: 'MULTIVALUE', records: [{ type: 'A', ttl: 10 }, { type: 'SRV', ttl: 10 }] }, healthCheck: null, createdAtMs: 0 },
      },
    ]);
    const N = 6; // at most MULTIVALUE_MAX (8), so an A answer carries every chosen instance
    const ipOf = (i: number) => `10.1.0.${i}`;
    const setInstance = (i: number, draining = false) =>
      node.write([
        {
          key: instanceKey(NS, 'web', `web-${i}`),
          value: { namespace: NS, service: 'web', id: `web-${i}`, attributes: { ipv4: ipOf(i), port: String(8000 + i) }, owner: 'n1', registeredAtMs: 0, ...(draining ? { drainUntilMs: 9e12 } : {}) },
        },
      ]);
    const setHealth = (i: number, status: HealthStatus) =>
      node.write([{ key: healthKey(NS, 'web', `web-${i}`), value: { status, reason: 'test', output: '', changedAtMs: 0, consecutiveFailures: 0, consecutiveSuccesses: 0 } }]);
    for (let i = 1; i <= N; i++) await setInstance(i);

    const viaHttp = (): string[] => {
      const m = router.match('GET', `/v1/discover/${NS}/web`);
      const r = m.handler({ method: 'GET', params: m.params, query: new URLSearchParams('health=HEALTHY_OR_ELSE_ALL'), body: undefined, raw: null as never, signal: new AbortController().signal, identity: OPEN_IDENTITY }) as ApiResponse;
      const body = JSON.parse(r.bytes!.toString('utf8')) as { instances: { attributes: { ipv4: string } }[] };
      return body.instances.map((i) => i.attributes.ipv4).sort();
    };
    const viaDns = (type: 'A' | 'SRV'): string[] => {
      const name = type === 'A' ? `web.${NS}` : `_web._tcp.${NS}`;
      const raw = dns.respond(packet.encode({ type: 'query', id: 7, questions: [{ type, name }] }), 'tcp');
      assert.ok(Buffer.isBuffer(raw));
      const msg = packet.decode(raw);
      if (type === 'A') return (msg.answers ?? []).filter((r) => r.type === 'A').map((r) => String((r as { data: unknown }).data)).sort();
      // SRV: the instances' addresses ride along as additional records.
      assert.equal((msg.answers ?? []).length, (msg.additionals ?? []).filter((r) => r.type === 'A').length);
      return (msg.additionals ?? []).filter((r) => r.type === 'A').map((r) => String((r as { data: unknown }).data)).sort();
    };
    const same = (label: string, want: number[]) => {
      const expected = want.map(ipOf).sort();
      assert.deepEqual(viaHttp(), expected, `HTTP, ${label}`);
      assert.deepEqual(viaDns('A'), expected, `DNS A, ${label}`);
      assert.deepEqual(viaDns('SRV'), expected, `DNS SRV, ${label}`);
    };

    same('all healthy', [1, 2, 3, 4, 5, 6]);
    await setHealth(2, 'UNHEALTHY');
    await setHealth(5, 'UNHEALTHY');
    await setInstance(6, true);
    same('mixed: the healthy ones, the draining one hidden', [1, 3, 4]);
    for (const i of [1, 3, 4]) await setHealth(i, 'UNHEALTHY');
    same('none healthy: fail open, but not to the draining one', [1, 2, 3, 4, 5]);
    await setHealth(4, 'HEALTHY');
    same('one healthy again', [4]);
    for (let i = 1; i <= 5; i++) await setInstance(i, true);
    same('all draining: nothing', []);
    assert.equal(viewCache.size, 1, 'both read the one cache');
  } finally {
    deps.waiters.closeAll();
    await node.stop();
  }
});

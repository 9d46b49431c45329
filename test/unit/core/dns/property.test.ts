import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as packet from 'dns-packet';
import fc from 'fast-check';
import { data, rcodeOf, World } from './fixture.js';

interface Inst {
  id: string;
  health: 'HEALTHY' | 'UNHEALTHY' | 'DRAINING';
  port: boolean;
}

const instArb = fc.record({
  id: fc.oneof(fc.stringMatching(/^[a-zA-Z0-9_-]{1,12}$/), fc.stringMatching(/^[a-z0-9.:/@]{1,20}$/)),
  health: fc.constantFrom('HEALTHY', 'UNHEALTHY', 'DRAINING') as fc.Arbitrary<Inst['health']>,
  port: fc.boolean(),
});

describe('DNS answers: properties over random registries', () => {
  it('A answers come from the right set, SRV targets resolve to their instance, across any mix of health', () => {
    fc.assert(
      fc.property(fc.uniqueArray(instArb, { selector: (i) => i.id, maxLength: 30 }), fc.integer({ min: 0, max: 1000 }), (insts, seed) => {
        const w = new World();
        w.namespace('p.internal').service('p.internal', 's');
        const ipOf = new Map<string, string>();
        insts.forEach((it, k) => {
          const ip = `10.0.${k >> 8}.${k & 255}`;
          ipOf.set(it.id, ip);
          const attrs: Record<string, string> = { ipv4: ip };
          if (it.port) attrs.port = String(1000 + k);
          w.instance('p.internal', 's', it.id, attrs, it.health === 'DRAINING' ? { drainUntilMs: 1 } : {});
          if (it.health === 'UNHEALTHY') w.health('p.internal', 's', it.id, 'UNHEALTHY');
        });
        const live = insts.filter((i) => i.health !== 'DRAINING');
        const healthy = live.filter((i) => i.health === 'HEALTHY');
        const pool = new Set((healthy.length ? healthy : live).map((i) => ipOf.get(i.id)!));
        const a = w.ask('s.p.internal', 'A', { id: seed });
        assert.equal(rcodeOf(a), 'NOERROR');
        const ips = data(a, 'A') as string[];
        assert.equal(ips.length, Math.min(8, pool.size));
        assert.equal(new Set(ips).size, ips.length);
        for (const ip of ips) assert.ok(pool.has(ip), `${ip} not in the answer pool`);
        const srv = data(w.ask('_s._tcp.p.internal', 'SRV', { transport: 'tcp' }), 'SRV') as packet.SrvData[];
        for (const s of srv) {
          const target = w.ask(s.target, 'A');
          const got = data(target, 'A') as string[];
          assert.equal(got.length, 1, `${s.target} resolves`);
          const owner = insts.find((i) => ipOf.get(i.id) === got[0])!;
          assert.equal(s.port >= 1000, true);
          assert.ok(owner.port && owner.health !== 'DRAINING');
          // Fail-open is decided per record set: among the instances that can have an SRV record.
          assert.ok(!healthy.some((i) => i.port) || owner.health === 'HEALTHY');
        }
      }),
      { numRuns: 150, seed: 11 },
    );
  });
});

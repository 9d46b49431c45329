import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as packet from 'dns-packet';
import { data, flag, rcodeOf, webWorld, World } from './fixture.js';

const AA = packet.AUTHORITATIVE_ANSWER;

describe('DNS answers: service A/AAAA', () => {
  it('MULTIVALUE answers up to 8 healthy records, a different random subset and order each time', () => {
    const w = webWorld(20);
    const seen = new Set<string>();
    const orders = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const a = w.ask('web.prod.internal', 'A');
      const ips = data(a, 'A') as string[];
      assert.equal(ips.length, 8);
      assert.equal(new Set(ips).size, 8, 'no duplicates');
      for (const ip of ips) seen.add(ip);
      orders.add(ips.join(','));
    }
    assert.equal(seen.size, 20, 'every healthy instance shows up sooner or later');
    assert.ok(orders.size > 150, 'answers vary from query to query');
  });

  it('MULTIVALUE with fewer than 8 instances returns all of them, shuffled', () => {
    const w = webWorld(3);
    const orders = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const ips = data(w.ask('web.prod.internal', 'A'), 'A') as string[];
      assert.deepEqual([...ips].sort(), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
      orders.add(ips.join(','));
    }
    assert.equal(orders.size, 6, 'all 3! orders occur');
  });

  it('AAAA returns the ipv6 attributes with the AAAA TTL', () => {
    const w = webWorld(2);
    const a = w.ask('web.prod.internal', 'AAAA');
    assert.deepEqual((data(a, 'AAAA') as string[]).sort(), ['fd00::1', 'fd00::2']);
    assert.ok(a.msg.answers!.every((r) => (r as { ttl?: number }).ttl === 40));
    assert.ok(w.ask('web.prod.internal', 'A').msg.answers!.every((r) => (r as { ttl?: number }).ttl === 30));
  });

  it('leaves out UNHEALTHY instances and fails open when none is healthy', () => {
    const w = webWorld(3);
    w.health('prod.internal', 'web', 'web-2', 'UNHEALTHY');
    for (let i = 0; i < 20; i++) assert.deepEqual((data(w.ask('web.prod.internal', 'A'), 'A') as string[]).sort(), ['10.0.0.1', '10.0.0.3']);
    w.health('prod.internal', 'web', 'web-1', 'UNHEALTHY').health('prod.internal', 'web', 'web-3', 'UNHEALTHY');
    assert.deepEqual((data(w.ask('web.prod.internal', 'A'), 'A') as string[]).sort(), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  });

  it('fail-open MULTIVALUE is still capped at 8', () => {
    const w = webWorld(12);
    for (let i = 1; i <= 12; i++) w.health('prod.internal', 'web', `web-${i}`, 'UNHEALTHY');
    assert.equal(data(w.ask('web.prod.internal', 'A'), 'A').length, 8);
  });

  it('draining instances disappear at once, even when failing open', () => {
    const w = webWorld(2);
    w.instance('prod.internal', 'web', 'web-1', { ipv4: '10.0.0.1', port: '8001' }, { drainUntilMs: 99 });
    assert.deepEqual(data(w.ask('web.prod.internal', 'A'), 'A'), ['10.0.0.2']);
    w.health('prod.internal', 'web', 'web-2', 'UNHEALTHY');
    assert.deepEqual(data(w.ask('web.prod.internal', 'A'), 'A'), ['10.0.0.2'], 'fail-open never brings back a draining instance');
    assert.equal(rcodeOf(w.ask('web-1.web.prod.internal', 'A')), 'NXDOMAIN');
  });

  it('instances whose owner died count as UNHEALTHY', () => {
    const w = webWorld(2);
    w.put('i|prod.internal|web|web-9', { namespace: 'prod.internal', service: 'web', id: 'web-9', attributes: { ipv4: '10.9.9.9' }, owner: 'n2', registeredAtMs: 0 });
    assert.equal(data(w.ask('web.prod.internal', 'A'), 'A').length, 3);
    w.registry.setMemberStatus('n2', 'dead');
    assert.equal(data(w.ask('web.prod.internal', 'A'), 'A').length, 2);
  });

  it('WEIGHTED returns one record, picked in proportion to `weight` (default 1, 0 never while others are healthy)', () => {
    const w = new World();
    w.namespace('prod.internal').service('prod.internal', 'api', [{ type: 'A', ttl: 5 }], 'WEIGHTED');
    w.instance('prod.internal', 'api', 'heavy', { ipv4: '10.0.0.1', weight: '3' });
    w.instance('prod.internal', 'api', 'light', { ipv4: '10.0.0.2' });
    w.instance('prod.internal', 'api', 'zero', { ipv4: '10.0.0.3', weight: '0' });
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const ips = data(w.ask('api.prod.internal', 'A'), 'A') as string[];
      assert.equal(ips.length, 1);
      counts.set(ips[0], (counts.get(ips[0]) ?? 0) + 1);
    }
    assert.equal(counts.get('10.0.0.3'), undefined);
    const heavy = counts.get('10.0.0.1')! / 4000;
    assert.ok(heavy > 0.7 && heavy < 0.8, `heavy share ${heavy}`);
  });

  it('WEIGHTED fails open to one record when none is healthy', () => {
    const w = new World();
    w.namespace('prod.internal').service('prod.internal', 'api', [{ type: 'A', ttl: 5 }], 'WEIGHTED');
    w.instance('prod.internal', 'api', 'a', { ipv4: '10.0.0.1' }).health('prod.internal', 'api', 'a', 'UNHEALTHY');
    w.instance('prod.internal', 'api', 'b', { ipv4: '10.0.0.2' }).health('prod.internal', 'api', 'b', 'UNHEALTHY');
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const ips = data(w.ask('api.prod.internal', 'A'), 'A') as string[];
      assert.equal(ips.length, 1);
      seen.add(ips[0]);
    }
    assert.deepEqual([...seen].sort(), ['10.0.0.1', '10.0.0.2']);
  });

  it('serves only the record types the service publishes: AAAA on an A-only service is NODATA', () => {
    const w = new World();
    w.namespace('prod.internal').service('prod.internal', 'a-only', [{ type: 'A', ttl: 10 }]);
    w.instance('prod.internal', 'a-only', 'x', { ipv4: '10.0.0.1', ipv6: 'fd00::1', port: '80' });
    const a = w.ask('a-only.prod.internal', 'AAAA');
    assert.equal(rcodeOf(a), 'NOERROR');
    assert.equal(a.msg.answers!.length, 0);
    assert.equal(data(a, 'SOA', 'authorities').length, 1);
    assert.equal(w.ask('a-only.prod.internal', 'SRV').msg.answers!.length, 0);
  });

  it('sets AA, echoes the question in its own letter case and matches names case-insensitively', () => {
    const w = webWorld(1);
    const a = w.ask('WeB.PROD.Internal', 'A', { id: 777 });
    assert.equal(a.msg.id, 777);
    assert.ok(flag(a, AA));
    assert.ok(flag(a, packet.RECURSION_DESIRED), 'RD is echoed');
    assert.equal(a.msg.questions![0].name, 'WeB.PROD.Internal');
    assert.deepEqual(data(a, 'A'), ['10.0.0.1']);
    // A second spelling of the same name hits the same cache entry but echoes its own case.
    const b = w.ask('web.prod.INTERNAL', 'A');
    assert.equal(b.msg.questions![0].name, 'web.prod.INTERNAL');
    assert.equal(b.msg.answers![0].name, 'web.prod.INTERNAL');
  });

  it('uses name compression: every answer owner is a 2-byte pointer to the question', () => {
    const w = webWorld(8);
    const a = w.ask('web.prod.internal', 'A');
    const question = 'web.prod.internal'.length + 2 + 4;
    assert.equal(a.raw.length, 12 + question + 8 * (2 + 10 + 4));
  });
});

describe('DNS answers: SRV', () => {
  for (const name of ['web.prod.internal', '_web._tcp.prod.internal']) {
    it(`${name} SRV is 0 <weight> <port> <id>.web.prod.internal with A and AAAA additionals`, () => {
      const w = webWorld(3);
      w.instance('prod.internal', 'web', 'web-2', { ipv4: '10.0.0.2', ipv6: 'fd00::2', port: '8002', weight: '7' });
      const a = w.ask(name, 'SRV');
      assert.ok(flag(a, AA));
      const srv = (data(a, 'SRV') as packet.SrvData[]).sort((x, y) => x.port - y.port);
      assert.deepEqual(srv, [
        { priority: 0, weight: 1, port: 8001, target: 'web-1.web.prod.internal' },
        { priority: 0, weight: 7, port: 8002, target: 'web-2.web.prod.internal' },
        { priority: 0, weight: 1, port: 8003, target: 'web-3.web.prod.internal' },
      ]);
      assert.ok(a.msg.answers!.every((r) => (r as { ttl?: number }).ttl === 50 && r.name === name));
      const adds = a.msg.additionals!.map((r) => `${r.name} ${r.type} ${(r as { data: string }).data} ${(r as { ttl?: number }).ttl}`).sort();
      assert.deepEqual(adds, [
        'web-1.web.prod.internal A 10.0.0.1 30',
        'web-1.web.prod.internal AAAA fd00::1 40',
        'web-2.web.prod.internal A 10.0.0.2 30',
        'web-2.web.prod.internal AAAA fd00::2 40',
        'web-3.web.prod.internal A 10.0.0.3 30',
        'web-3.web.prod.internal AAAA fd00::3 40',
      ]);
    });
  }

  it('MULTIVALUE SRV returns every healthy instance (no cap of 8), shuffled', () => {
    const w = webWorld(12);
    w.health('prod.internal', 'web', 'web-5', 'UNHEALTHY');
    const orders = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const srv = data(w.ask('_web._tcp.prod.internal', 'SRV', { transport: 'tcp' }), 'SRV') as packet.SrvData[];
      assert.equal(srv.length, 11);
      assert.ok(!srv.some((s) => s.target.startsWith('web-5.')));
      orders.add(srv.map((s) => s.port).join(','));
    }
    assert.ok(orders.size > 15);
  });

  it('WEIGHTED SRV returns one record', () => {
    const w = new World();
    w.namespace('prod.internal').service('prod.internal', 'api', [{ type: 'SRV', ttl: 5 }], 'WEIGHTED');
    w.instance('prod.internal', 'api', 'a', { ipv4: '10.0.0.1', port: '80' });
    w.instance('prod.internal', 'api', 'b', { ipv4: '10.0.0.2', port: '81' });
    const a = w.ask('api.prod.internal', 'SRV');
    assert.equal(data(a, 'SRV').length, 1);
    assert.equal(data(a, 'A', 'additionals').length, 1);
  });

  it('_svc._tcp answers other types with NODATA, and _tcp itself exists as an empty non-terminal', () => {
    const w = webWorld(1);
    const a = w.ask('_web._tcp.prod.internal', 'A');
    assert.equal(rcodeOf(a), 'NOERROR');
    assert.equal(a.msg.answers!.length, 0);
    assert.equal(rcodeOf(w.ask('_tcp.prod.internal', 'A')), 'NOERROR');
    assert.equal(rcodeOf(w.ask('_nope._tcp.prod.internal', 'SRV')), 'NXDOMAIN');
  });
});

describe('DNS answers: instance names, CNAME services, the apex', () => {
  it('<id>.<svc>.<ns> answers A, AAAA, and TXT with the attributes as key=value', () => {
    const w = webWorld(2);
    w.instance('prod.internal', 'web', 'web-2', { ipv4: '10.0.0.2', ipv6: 'fd00::2', port: '8002', zone: 'eu-west-1a', long: 'v'.repeat(600) });
    assert.deepEqual(data(w.ask('web-2.web.prod.internal', 'A'), 'A'), ['10.0.0.2']);
    assert.deepEqual(data(w.ask('WEB-2.web.prod.internal', 'AAAA'), 'AAAA'), ['fd00::2']);
    const txt = (data(w.ask('web-2.web.prod.internal', 'TXT', { transport: 'tcp' }), 'TXT') as Buffer[][]).map((parts) =>
      Buffer.concat(parts).toString(),
    );
    assert.deepEqual(txt, ['ipv4=10.0.0.2', 'ipv6=fd00::2', `long=${'v'.repeat(600)}`, 'port=8002', 'zone=eu-west-1a']);
    // An unhealthy instance keeps its own name: SRV targets of a fail-open answer must resolve.
    w.health('prod.internal', 'web', 'web-2', 'UNHEALTHY');
    assert.deepEqual(data(w.ask('web-2.web.prod.internal', 'A'), 'A'), ['10.0.0.2']);
    assert.equal(rcodeOf(w.ask('web-9.web.prod.internal', 'A')), 'NXDOMAIN');
    const nodata = w.ask('web-2.web.prod.internal', 'MX');
    assert.equal(rcodeOf(nodata), 'NOERROR');
    assert.equal(nodata.msg.answers!.length, 0);
  });

  it('a CNAME service answers the cname attribute of one instance, for any type', () => {
    const w = new World();
    w.namespace('prod.internal').service('prod.internal', 'db', [{ type: 'CNAME', ttl: 60 }], 'WEIGHTED');
    w.instance('prod.internal', 'db', 'primary', { cname: 'db-1.rds.example.com' });
    for (const type of ['CNAME', 'A', 'AAAA']) {
      const a = w.ask('db.prod.internal', type);
      assert.equal(a.msg.answers!.length, 1);
      assert.equal(a.msg.answers![0].type, 'CNAME');
      assert.equal((a.msg.answers![0] as { data: string }).data, 'db-1.rds.example.com');
      assert.equal((a.msg.answers![0] as { ttl?: number }).ttl, 60);
    }
  });

  it('the apex answers SOA (minimum = soaTtl) and NS naming this daemon, with glue', () => {
    const w = webWorld(1);
    w.namespace('prod.internal', 'DNS', 33);
    const soa = w.ask('prod.internal', 'SOA');
    assert.ok(flag(soa, AA));
    const s = data(soa, 'SOA')[0] as packet.SoaData;
    assert.equal(s.mname, 'ns.prod.internal');
    assert.equal(s.rname, 'hostmaster.prod.internal');
    assert.equal(s.minimum, 33);
    const ns = w.ask('prod.internal', 'NS');
    assert.deepEqual(data(ns, 'NS'), ['ns.prod.internal']);
    assert.deepEqual(data(ns, 'A', 'additionals'), ['127.0.0.53']);
    assert.equal(ns.msg.additionals![0].name, 'ns.prod.internal');
    assert.deepEqual(data(w.ask('ns.prod.internal', 'A'), 'A'), ['127.0.0.53']);
    assert.equal(rcodeOf(w.ask('prod.internal', 'A')), 'NOERROR');
    assert.equal(w.ask('prod.internal', 'A').msg.answers!.length, 0);
  });

  it('ANY gets a minimal answer: one RRset (RFC 8482)', () => {
    const w = webWorld(2);
    const a = w.ask('web.prod.internal', 'ANY');
    assert.deepEqual(new Set(a.msg.answers!.map((r) => r.type)), new Set(['A']));
    assert.deepEqual(new Set(w.ask('prod.internal', 'ANY').msg.answers!.map((r) => r.type)), new Set(['SOA']));
    assert.deepEqual(new Set(w.ask('web-1.web.prod.internal', 'ANY').msg.answers!.map((r) => r.type)), new Set(['A']));
  });

  it('nested namespaces: the longest DNS namespace answers, and a new one takes over at once', () => {
    const w = new World();
    w.namespace('internal').service('internal', 'web').instance('internal', 'web', 'a', { ipv4: '10.1.1.1', port: '1' });
    assert.equal(rcodeOf(w.ask('web.prod.internal', 'A')), 'NXDOMAIN');
    w.namespace('prod.internal').service('prod.internal', 'web').instance('prod.internal', 'web', 'b', { ipv4: '10.2.2.2', port: '1' });
    assert.deepEqual(data(w.ask('web.prod.internal', 'A'), 'A'), ['10.2.2.2']);
    assert.deepEqual(data(w.ask('web.internal', 'A'), 'A'), ['10.1.1.1']);
  });
});

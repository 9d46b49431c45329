import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as packet from 'dns-packet';
import fc from 'fast-check';
import { FORWARD } from '../../../../src/core/dns/responder.js';
import { data, encodeQuery, flag, rcodeOf, webWorld, World } from './fixture.js';

describe('DNS negative answers', () => {
  it('a missing name inside a namespace is NXDOMAIN with the SOA in authority (RFC 2308)', () => {
    const w = webWorld(1);
    w.namespace('prod.internal', 'DNS', 21);
    const a = w.ask('nope.prod.internal', 'A');
    assert.equal(rcodeOf(a), 'NXDOMAIN');
    assert.ok(flag(a, packet.AUTHORITATIVE_ANSWER));
    assert.equal(a.msg.answers!.length, 0);
    assert.equal(a.msg.authorities!.length, 1);
    const soa = a.msg.authorities![0] as packet.SoaAnswer;
    assert.equal(soa.type, 'SOA');
    assert.equal(soa.name, 'prod.internal');
    assert.equal(soa.data.minimum, 21);
    assert.equal(soa.ttl, 21, 'the negative TTL is min(SOA TTL, minimum)');
    for (const n of ['a.b.c.prod.internal', 'x.web.prod.internal', 'web-1.nope.prod.internal']) {
      assert.equal(rcodeOf(w.ask(n, 'A')), 'NXDOMAIN', n);
    }
  });

  it('a name that exists without the asked type is NOERROR, no answers, SOA in authority', () => {
    const w = webWorld(1);
    const a = w.ask('web.prod.internal', 'MX');
    assert.equal(rcodeOf(a), 'NOERROR');
    assert.equal(a.msg.answers!.length, 0);
    assert.equal(data(a, 'SOA', 'authorities').length, 1);
  });

  it('a service with no instances is NODATA, not NXDOMAIN', () => {
    const w = new World();
    w.namespace('prod.internal').service('prod.internal', 'empty');
    const a = w.ask('empty.prod.internal', 'A');
    assert.equal(rcodeOf(a), 'NOERROR');
    assert.equal(a.msg.answers!.length, 0);
  });

  it('names outside every DNS namespace are REFUSED, and so are HTTP namespaces', () => {
    const w = webWorld(1);
    w.namespace('api.local', 'HTTP').service('api.local', 'web');
    for (const n of ['example.com', 'internal', 'web.api.local', 'api.local']) {
      const a = w.ask(n, 'A');
      assert.equal(rcodeOf(a), 'REFUSED', n);
      assert.ok(!flag(a, packet.AUTHORITATIVE_ANSWER));
      assert.equal(a.msg.questions![0].name, n);
    }
  });

  it('with a forwarder configured, outside names go to it', () => {
    const w = new World({ forwardOutside: true });
    w.namespace('prod.internal');
    assert.equal(w.askRaw(encodeQuery('example.com', 'A')), FORWARD);
    assert.equal(rcodeOf(w.ask('nope.prod.internal', 'A')), 'NXDOMAIN');
  });
});

describe('DNS protocol rules', () => {
  it('only class IN is served', () => {
    const w = webWorld(1);
    assert.equal(rcodeOf(w.ask('web.prod.internal', 'A', { klass: 'CH' })), 'REFUSED');
  });

  it('more than one question, or none, is FORMERR with the id echoed', () => {
    const w = webWorld(1);
    const two = packet.encode({
      type: 'query',
      id: 99,
      questions: [
        { type: 'A', name: 'web.prod.internal' },
        { type: 'A', name: 'web.prod.internal' },
      ],
    });
    const r = w.askRaw(two) as Buffer;
    assert.equal(r.readUInt16BE(0), 99);
    assert.equal(r[3] & 0xf, 1);
    const none = packet.encode({ type: 'query', id: 98, questions: [] });
    assert.equal((w.askRaw(none) as Buffer)[3] & 0xf, 1);
  });

  it('a cut-off question is FORMERR; fewer than 12 bytes, or a response, is dropped', () => {
    const w = webWorld(1);
    const q = encodeQuery('web.prod.internal', 'A');
    for (const cut of [13, 20, q.length - 1]) assert.equal((w.askRaw(q.subarray(0, cut)) as Buffer)[3] & 0xf, 1, `cut at ${cut}`);
    assert.equal(w.askRaw(q.subarray(0, 11)), null);
    const resp = Buffer.from(q);
    resp[2] |= 0x80;
    assert.equal(w.askRaw(resp), null);
  });

  it('a compression pointer in the question is FORMERR', () => {
    const w = webWorld(1);
    const q = Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1]);
    assert.equal((w.askRaw(q) as Buffer)[3] & 0xf, 1);
  });

  it('opcodes other than QUERY get NOTIMP, zone transfers too', () => {
    const w = webWorld(1);
    const q = encodeQuery('web.prod.internal', 'A');
    q[2] = (q[2] & 0x87) | (2 << 3); // STATUS
    const r = w.askRaw(q) as Buffer;
    assert.equal(r[3] & 0xf, 4);
    assert.equal((r[2] >> 3) & 0xf, 2, 'opcode echoed');
    assert.equal(rcodeOf(w.ask('prod.internal', 'AXFR', { transport: 'tcp' })), 'NOTIMP');
  });

  it('EDNS version other than 0 gets BADVERS in the OPT record', () => {
    const w = webWorld(1);
    const q = encodeQuery('web.prod.internal', 'A', { edns: 1232 });
    q[q.length - 11 + 6] = 1; // version byte of the OPT TTL
    const r = w.askRaw(q) as Buffer;
    const m = packet.decode(r);
    const opt = m.additionals!.find((x) => x.type === 'OPT') as unknown as { extendedRcode: number };
    assert.ok(opt);
    assert.equal(opt.extendedRcode, 1, 'upper bits of rcode 16');
  });

  it('never throws and never answers with a broken message, on any bytes', () => {
    const w = webWorld(3);
    const good = encodeQuery('web.prod.internal', 'SRV', { edns: 1400 });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
            const m = Buffer.from(good);
            m[i] = b;
            return m;
          }),
        ),
        (bytes) => {
          const r = w.askRaw(Buffer.from(bytes));
          if (r === null) return;
          assert.ok(Buffer.isBuffer(r));
          packet.decode(r);
        },
      ),
      { numRuns: 3000, seed: 7 },
    );
  });
});

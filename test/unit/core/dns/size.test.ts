import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as packet from 'dns-packet';
import { data, flag, webWorld } from './fixture.js';

const TC = packet.TRUNCATED_RESPONSE;

function opt(a: { msg: packet.DecodedPacket }): { udpPayloadSize: number } | undefined {
  return a.msg.additionals?.find((r) => r.type === 'OPT') as unknown as { udpPayloadSize: number } | undefined;
}

describe('DNS message size', () => {
  it('answers EDNS queries with an OPT record, and plain queries without one', () => {
    const w = webWorld(2);
    assert.equal(opt(w.ask('web.prod.internal', 'A', { edns: 1232 }))?.udpPayloadSize, 4096);
    assert.equal(opt(w.ask('web.prod.internal', 'A')), undefined);
    assert.equal(opt(w.ask('nope.prod.internal', 'A', { edns: 1232 }))?.udpPayloadSize, 4096);
  });

  it('without EDNS, caps UDP at 512 bytes: TC set, as many whole answer records as fit, no additionals', () => {
    const w = webWorld(40);
    const a = w.ask('web.prod.internal', 'SRV');
    assert.ok(a.raw.length <= 512);
    assert.ok(flag(a, TC));
    const n = data(a, 'SRV').length;
    assert.ok(n > 5 && n < 40, `${n} records`);
    assert.equal(a.msg.answers!.length, n, 'decodes cleanly: whole records only');
    assert.equal(a.msg.additionals!.length, 0);
    // Each record is ~45 bytes: one more would not have fit.
    assert.ok(a.raw.length + 45 > 512);
  });

  it('honours the EDNS UDP size, capped at 4096 and floored at 512', () => {
    const w = webWorld(200);
    for (const [asked, cap] of [
      [1232, 1232],
      [4096, 4096],
      [65000, 4096],
      [100, 512],
    ]) {
      const a = w.ask('web.prod.internal', 'SRV', { edns: asked });
      assert.ok(flag(a, TC), `TC at ${asked}`);
      assert.ok(a.raw.length <= cap && a.raw.length > cap - 60, `size ${a.raw.length} for ${asked}`);
      assert.ok(opt(a), 'OPT kept when truncated');
    }
  });

  it('drops additional records that do not fit without setting TC (RFC 2181 §9)', () => {
    const w = webWorld(8);
    const full = w.ask('web.prod.internal', 'SRV', { edns: 4096 });
    assert.ok(!flag(full, TC));
    assert.equal(full.msg.additionals!.length, 8 * 2 + 1);
    const small = w.ask('web.prod.internal', 'SRV');
    assert.ok(!flag(small, TC));
    assert.equal(data(small, 'SRV').length, 8);
    assert.ok(small.msg.additionals!.length < 16);
    assert.ok(small.raw.length <= 512);
  });

  it('TCP carries 500 SRV records with their A and AAAA (consul#2335)', () => {
    const w = webWorld(500);
    const a = w.ask('_web._tcp.prod.internal', 'SRV', { transport: 'tcp' });
    assert.ok(!flag(a, TC));
    const srv = data(a, 'SRV') as packet.SrvData[];
    assert.equal(srv.length, 500);
    assert.equal(new Set(srv.map((s) => s.target)).size, 500);
    const addrs = new Map<string, string[]>();
    for (const r of a.msg.additionals!) addrs.set(r.name, [...(addrs.get(r.name) ?? []), r.type]);
    // Records past the 16 KB reach of a compression pointer carry their name in full: all must decode right.
    for (const s of srv) assert.deepEqual(addrs.get(s.target), ['A', 'AAAA'], s.target);
    assert.ok(a.raw.length > 0x3fff, 'the message passes the pointer limit, so the fallback is exercised');
  });

  it('TCP answers past 65535 bytes keep as many whole records as fit and set TC', () => {
    const w = webWorld(2500);
    const a = w.ask('web.prod.internal', 'SRV', { transport: 'tcp' });
    assert.ok(a.raw.length <= 65535);
    assert.ok(flag(a, TC));
    assert.ok(data(a, 'SRV').length > 1000);
  });
});

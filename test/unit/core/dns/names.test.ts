import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as packet from 'dns-packet';
import { hashHex16, instanceLabel } from '../../../../src/core/dns/names.js';
import { data, rcodeOf, World } from './fixture.js';

function world(): World {
  const w = new World();
  w.namespace('prod.internal').service('prod.internal', 'web', [
    { type: 'A', ttl: 10 },
    { type: 'SRV', ttl: 10 },
  ]);
  return w;
}

describe('DNS names of instances whose ids are not DNS labels', () => {
  it('ids that are valid labels are their own label, lower-cased; others get x-<16 hex>', () => {
    assert.equal(instanceLabel('Web_1-a'), 'web_1-a');
    assert.match(instanceLabel('10.0.0.7:8080'), /^x-[0-9a-f]{16}$/);
    assert.equal(instanceLabel('a/b'), instanceLabel('a/b'), 'stable');
    assert.notEqual(instanceLabel('a/b'), instanceLabel('a/c'));
    assert.match(instanceLabel('a'.repeat(64)), /^x-/, '64 characters is too long for a label');
    assert.equal(hashHex16(''), hashHex16(''));
  });

  it('SRV targets use the encoded label, and that name resolves to the instance', () => {
    const w = world();
    for (const id of ['10.0.0.7:8080', 'task/abc@v2', 'svc.a.b']) {
      w.instance('prod.internal', 'web', id, { ipv4: `10.0.0.${id.length}`, port: '8080' });
    }
    const srv = data(w.ask('web.prod.internal', 'SRV', { edns: 4096 }), 'SRV') as packet.SrvData[];
    assert.equal(srv.length, 3);
    for (const s of srv) {
      assert.match(s.target, /^x-[0-9a-f]{16}\.web\.prod\.internal$/);
      assert.equal(data(w.ask(s.target, 'A'), 'A').length, 1);
    }
    const txt = data(w.ask(`${instanceLabel('task/abc@v2')}.web.prod.internal`, 'TXT'), 'TXT') as Buffer[][];
    assert.ok(txt.some((t) => Buffer.concat(t).toString() === 'ipv4=10.0.0.11'));
    // The raw id, dots and all, is not a name.
    assert.equal(rcodeOf(w.ask('svc.a.b.web.prod.internal', 'A')), 'NXDOMAIN');
  });

  it('ids that differ only in case: the first in sort order owns the name, the other has none and no SRV', () => {
    const w = world();
    w.instance('prod.internal', 'web', 'web-1', { ipv4: '10.0.0.1', port: '1' });
    w.instance('prod.internal', 'web', 'WEB-1', { ipv4: '10.0.0.2', port: '2' });
    assert.deepEqual(data(w.ask('web-1.web.prod.internal', 'A'), 'A'), ['10.0.0.2'], "'WEB-1' < 'web-1'");
    const srv = data(w.ask('web.prod.internal', 'SRV'), 'SRV') as packet.SrvData[];
    assert.deepEqual(srv.map((s) => s.port), [2]);
    assert.equal(data(w.ask('web.prod.internal', 'A'), 'A').length, 2, 'both still in A answers');
  });
});

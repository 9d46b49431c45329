import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { data, rcodeOf, webWorld } from './fixture.js';

describe('DNS answer cache', () => {
  it('serves repeated questions from the cache, patching only the id', () => {
    const w = webWorld(3);
    const a = w.ask('web-1.web.prod.internal', 'A', { id: 1 });
    const b = w.ask('web-1.web.prod.internal', 'A', { id: 2 });
    assert.equal(w.responder.stats.cacheMisses, 1);
    assert.equal(w.responder.stats.cacheHits, 1);
    assert.equal(b.msg.id, 2);
    assert.deepEqual(a.raw.subarray(2), b.raw.subarray(2));
  });

  it('changes the moment the registry does: register, health, deregister, delete service', () => {
    const w = webWorld(2);
    assert.equal(data(w.ask('web.prod.internal', 'A'), 'A').length, 2);
    w.instance('prod.internal', 'web', 'web-3', { ipv4: '10.0.0.3', port: '1' });
    assert.equal(data(w.ask('web.prod.internal', 'A'), 'A').length, 3);
    w.health('prod.internal', 'web', 'web-1', 'UNHEALTHY');
    assert.deepEqual((data(w.ask('web.prod.internal', 'A'), 'A') as string[]).sort(), ['10.0.0.2', '10.0.0.3']);
    w.deregister('prod.internal', 'web', 'web-2');
    assert.deepEqual(data(w.ask('web.prod.internal', 'A'), 'A'), ['10.0.0.3']);
    assert.equal(rcodeOf(w.ask('web-2.web.prod.internal', 'A')), 'NXDOMAIN');
    w.put('s|prod.internal|web', null);
    assert.equal(rcodeOf(w.ask('web.prod.internal', 'A')), 'NXDOMAIN');
  });

  it('a namespace created later turns REFUSED into answers', () => {
    const w = webWorld(0);
    assert.equal(rcodeOf(w.ask('web.test.internal', 'A')), 'REFUSED');
    w.namespace('test.internal').service('test.internal', 'web').instance('test.internal', 'web', 'a', { ipv4: '10.3.3.3', port: '1' });
    assert.deepEqual(data(w.ask('web.test.internal', 'A'), 'A'), ['10.3.3.3']);
  });

  it('stays within its entry bound under a flood of distinct names', () => {
    const w = webWorld(1, { maxCacheEntries: 100 });
    for (let i = 0; i < 1000; i++) w.ask(`n${i}.prod.internal`, 'A');
    assert.ok(w.responder.cacheSize <= 100);
    assert.equal(rcodeOf(w.ask('web.prod.internal', 'A')), 'NOERROR');
  });
});

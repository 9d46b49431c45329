import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, startDaemon, stopAll, type Daemon } from './helpers/daemon.js';

describe('blocking discovery (index + wait)', () => {
  let d: Daemon;
  before(async () => {
    d = await startDaemon({ name: 'blk1' });
    await api(d, 'PUT', '/v1/namespaces/b.internal', { type: 'HTTP' });
    await api(d, 'PUT', '/v1/namespaces/b.internal/services/s', {});
    await api(d, 'PUT', '/v1/namespaces/b.internal/services/other', {});
  });
  after(async () => {
    await stopAll([d]);
  });

  test('a blocked query wakes when an instance registers, not on another service', async () => {
    const first = await api(d, 'GET', '/v1/discover/b.internal/s');
    const rev = first.body.revision;
    const t0 = Date.now();
    const blocked = api(d, 'GET', `/v1/discover/b.internal/s?index=${rev}&wait=30s`, undefined, 40_000);
    await new Promise((r) => setTimeout(r, 300));
    await api(d, 'PUT', '/v1/namespaces/b.internal/services/other/instances/x', { attributes: {} });
    await new Promise((r) => setTimeout(r, 300));
    await api(d, 'PUT', '/v1/namespaces/b.internal/services/s/instances/a', { attributes: { v: '1' } });
    const r = await blocked;
    assert.equal(r.status, 200);
    assert.ok(r.body.revision > rev);
    assert.deepEqual(r.body.instances.map((i: { id: string }) => i.id), ['a']);
    assert.ok(Date.now() - t0 >= 500, 'it did wait for the change');
    assert.ok(Date.now() - t0 < 25_000, 'it woke before the wait ended');
  });

  test('a blocked query times out with the same revision', async () => {
    const rev = (await api(d, 'GET', '/v1/discover/b.internal/s')).body.revision;
    const t0 = Date.now();
    const r = await api(d, 'GET', `/v1/discover/b.internal/s?index=${rev}&wait=700ms`);
    assert.equal(r.status, 200);
    assert.equal(r.body.revision, rev);
    assert.ok(Date.now() - t0 >= 650, `waited ${Date.now() - t0} ms`);
  });

  test('an index already passed answers at once', async () => {
    const t0 = Date.now();
    const r = await api(d, 'GET', '/v1/discover/b.internal/s?index=0&wait=30s');
    assert.equal(r.status, 200);
    assert.ok(Date.now() - t0 < 10_000);
  });
});

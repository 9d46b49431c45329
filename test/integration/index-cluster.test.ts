import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, startDaemon, stopAll, waitFor, type Daemon } from './helpers/daemon.js';

const DISC = '/v1/discover/idx.internal/web?health=ALL';

async function index(d: Daemon): Promise<number> {
  return (await api(d, 'GET', DISC)).body.revision as number;
}

describe('blocking-query index across daemons and restarts', () => {
  let a: Daemon;
  let b: Daemon;
  before(async () => {
    a = await startDaemon({ name: 'idx-a' });
    b = await startDaemon({ name: 'idx-b', join: [a.gossipAddr] });
    await api(a, 'PUT', '/v1/namespaces/idx.internal', { type: 'HTTP' });
    await api(a, 'PUT', '/v1/namespaces/idx.internal/services/web', {});
    await api(a, 'PUT', '/v1/namespaces/idx.internal/services/web/instances/w1', { attributes: {} });
    await waitFor(async () => (await api(b, 'GET', DISC)).body.instances?.length === 1, 'b sees w1');
  });
  after(async () => {
    await stopAll([a, b]);
  });

  test('converged daemons give the same index, and an index from another daemon wakes on the next change', async () => {
    const ia = await index(a);
    await waitFor(async () => (await index(b)) === ia, 'the same index on both daemons');
    const t0 = Date.now();
    const blocked = api(b, 'GET', `${DISC}&index=${ia}&wait=30s`, undefined, 40_000);
    await new Promise((r) => setTimeout(r, 400));
    await api(a, 'PUT', '/v1/namespaces/idx.internal/services/web/instances/w2', { attributes: {} });
    const r = await blocked;
    assert.ok(Date.now() - t0 >= 350, 'it waited for the change');
    assert.ok(Date.now() - t0 < 25_000, 'it woke before the wait ended');
    assert.ok(r.body.revision > ia);
    assert.deepEqual(r.body.instances.map((i: { id: string }) => i.id).sort(), ['w1', 'w2']);
    assert.equal(r.headers.get('x-grapevine-revision'), String(r.body.revision));
    await waitFor(async () => (await index(a)) === r.body.revision, 'a gives the index b gave');
  });

  test('an index ahead of the daemon answers at once (index reset)', async () => {
    const t0 = Date.now();
    const r = await api(b, 'GET', `${DISC}&index=${(await index(b)) + 1_000_000}&wait=30s`);
    assert.equal(r.status, 200);
    assert.ok(Date.now() - t0 < 10_000);
  });

  test('after a restart the index has not gone back, and an index from before the restart wakes on the next change', async () => {
    const before = await index(b);
    b = await (await b.stop().then(() => b)).restart();
    const afterRestart = await index(b);
    assert.ok(afterRestart >= before, `index went back from ${before} to ${afterRestart}`);
    await waitFor(async () => (await index(b)) === (await index(a)), 'converged again');
    const cur = await index(b);
    const idle = await api(b, 'GET', `${DISC}&index=${cur}&wait=600ms`);
    assert.equal(idle.body.revision, cur, 'no change: the wait ends with the same index');
    const blocked = api(b, 'GET', `${DISC}&index=${cur}&wait=30s`, undefined, 40_000);
    await new Promise((r) => setTimeout(r, 300));
    await api(a, 'DELETE', '/v1/namespaces/idx.internal/services/web/instances/w2');
    const r = await blocked;
    assert.ok(r.body.revision > cur);
    assert.deepEqual(r.body.instances.map((i: { id: string }) => i.id), ['w1']);
  });

  test('the owner dying wakes a blocked query on the other daemon (instances UNHEALTHY), with the same index', async () => {
    const cur = await index(b);
    const blocked = api(b, 'GET', `${DISC}&index=${cur}&wait=30s`, undefined, 40_000);
    await new Promise((r) => setTimeout(r, 300));
    await a.kill9();
    let r = await blocked;
    // A woken query may come back before the owner is declared dead (e.g. suspect); follow it with the index it gave.
    for (let i = 0; i < 10 && r.body.instances[0]?.health !== 'UNHEALTHY'; i++) r = await api(b, 'GET', `${DISC}&index=${r.body.revision}&wait=10s`, undefined, 20_000);
    assert.equal(r.body.instances[0].health, 'UNHEALTHY');
    assert.equal(r.body.revision, cur, 'a member status is not a record: the index stays the same on every daemon');
  });
});

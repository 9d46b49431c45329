import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, startDaemon, type Daemon } from './helpers/daemon.js';

test('kill -9 during a stream of writes, then restart: every acknowledged registration is there', async () => {
  const d: Daemon | undefined = await startDaemon({ name: 'dur1' });
  let d2: Daemon | undefined;
  try {
    await api(d, 'PUT', '/v1/namespaces/dur.internal', { type: 'HTTP' });
    await api(d, 'PUT', '/v1/namespaces/dur.internal/services/s', {});
    const acked: string[] = [];
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop && i < 100_000; i++) {
        const id = `w${w}-${i}`;
        try {
          const r = await api(d!, 'PUT', `/v1/namespaces/dur.internal/services/s/instances/${id}`, { attributes: { n: String(i) } }, 5000);
          if (r.status === 201) acked.push(id);
        } catch {
          return; // the daemon died mid-request: not acknowledged
        }
      }
    };
    let writersDone = false;
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    void Promise.all(writers).then(() => (writersDone = true));
    // Bounded: fail, instead of waiting for ever, when the writers stop or 30 s pass first.
    const deadline = Date.now() + 30_000;
    while (acked.length < 300) {
      if (writersDone || Date.now() > deadline) {
        stop = true;
        assert.fail(`only ${acked.length} of 300 writes acknowledged (${writersDone ? 'the writers stopped' : 'in 30 s'})`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    await d.kill9();
    stop = true;
    await Promise.all(writers);
    assert.ok(acked.length >= 300);
    d2 = await d.restart();
    const list = await api(d2, 'GET', '/v1/namespaces/dur.internal/services/s/instances');
    const have = new Set(list.body.instances.map((i: { id: string }) => i.id));
    const missing = acked.filter((id) => !have.has(id));
    assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged registrations lost`);
    // The HLC kept going forward: a new write sorts after everything before the crash.
    const before = (await api(d2, 'GET', '/v1/status')).body.hlc;
    await api(d2, 'PUT', '/v1/namespaces/dur.internal/services/s/instances/after', { attributes: {} });
    assert.ok((await api(d2, 'GET', '/v1/status')).body.hlc > before);
  } finally {
    await d2?.stop();
    d2?.cleanup();
    d?.cleanup();
  }
});

test('a second daemon on the same data dir refuses to start; SIGTERM exits 0 and keeps data', async () => {
  const d = await startDaemon({ name: 'lock1' });
  let d3: Daemon | undefined;
  try {
    await api(d, 'PUT', '/v1/namespaces/lock.internal', { type: 'DNS' });
    await assert.rejects(startDaemon({ name: 'lock1', dataDir: d.dataDir }), (e: Error & { exitCode?: number; output?: string }) => {
      assert.notEqual(e.exitCode, 0);
      assert.match(e.output ?? '', /in use by another grapevine daemon/);
      return true;
    });
    assert.equal((await api(d, 'GET', '/v1/namespaces/lock.internal')).status, 200, 'the first daemon still serves');
    assert.equal(await d.stop(), 0);
    d3 = await d.restart();
    assert.equal((await api(d3, 'GET', '/v1/namespaces/lock.internal')).status, 200);
  } finally {
    await d3?.stop();
    d3?.cleanup();
    d.cleanup();
  }
});

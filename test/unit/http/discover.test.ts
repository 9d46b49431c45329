import { OPEN_IDENTITY } from '../../../src/http/gate.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { putInstance, putNamespace, putService } from '../../../src/core/commands.js';
import { ViewCache } from '../../../src/core/discovery.js';
import { seededRandom } from '../../../src/core/gossip/types.js';
import { healthKey } from '../../../src/core/keys.js';
import { buildRouter } from '../../../src/http/server.js';
import type { ApiDeps, ApiResponse } from '../../../src/http/types.js';
import { silentLogger } from '../../../src/obs/logger.js';
import { RealClock } from '../../../src/runtime/clock.js';
import { GrapevineNode } from '../../../src/runtime/node.js';
import { ServiceWaiters } from '../../../src/runtime/waiters.js';
import { MemoryStore } from '../../../src/storage/memory-store.js';

/** The discovery route encodes answers itself (cached bytes per entry): check they are the JSON a user expects. */
test('discover route: answers parse, sample without repeats, set truncated, and follow changes', async () => {
  const node = new GrapevineNode('u1', new MemoryStore(), new RealClock());
  await node.start();
  const ctx = { node: 'u1', nowMs: 1 };
  await node.write(putNamespace(node.registry, 'u.internal', { type: 'HTTP' }, ctx).writes);
  await node.write(putService(node.registry, 'u.internal', 's', {}, ctx).writes);
  for (let i = 0; i < 50; i++) await node.write(putInstance(node.registry, 'u.internal', 's', `i${i}`, { attributes: { n: String(i), q: 'say "hi"\\' } }, ctx).writes);
  const clock = new RealClock();
  const deps: ApiDeps = {
    ctx: { node, membership: { members: () => [], leave: async () => {} }, stateDigest: () => '', version: 't' },
    waiters: new ServiceWaiters(node, clock),
    random: seededRandom(5),
    logger: silentLogger(),
    viewCache: new ViewCache(),
  };
  const router = buildRouter(deps);
  const get = (qs: string) => {
    const m = router.match('GET', '/v1/discover/u.internal/s');
    const r = m.handler({ method: 'GET', params: m.params, query: new URLSearchParams(qs), body: undefined, raw: null as never, signal: new AbortController().signal, identity: OPEN_IDENTITY }) as ApiResponse;
    return JSON.parse((r.bytes ?? Buffer.from(r.text!)).toString('utf8'));
  };
  const all = get('');
  assert.equal(all.instances.length, 50);
  assert.equal(new Set(all.instances.map((i: { id: string }) => i.id)).size, 50);
  assert.equal(all.truncated, false);
  assert.equal(all.instances[0].attributes.q, 'say "hi"\\');
  assert.deepEqual(Object.keys(all.instances[0]), ['id', 'namespace', 'service', 'health', 'healthReason', 'attributes', 'node']);
  const firsts = new Set<string>();
  for (let k = 0; k < 200; k++) {
    const ten = get('max=10');
    assert.equal(ten.instances.length, 10);
    assert.equal(ten.truncated, true);
    assert.equal(new Set(ten.instances.map((i: { id: string }) => i.id)).size, 10, 'no repeats within an answer');
    firsts.add(ten.instances[0].id);
  }
  assert.ok(firsts.size > 30, `answers vary (${firsts.size} distinct first entries)`);
  assert.equal(get('attr.n=7').instances[0].id, 'i7');
  // A health change moves the revision and the answer.
  await node.write([{ key: healthKey('u.internal', 's', 'i3'), value: { status: 'UNHEALTHY', reason: 'CHECK_FAILING', output: '', changedAtMs: 0, consecutiveFailures: 3, consecutiveSuccesses: 0 } }]);
  const after = get('max=1000');
  assert.equal(after.instances.length, 49);
  assert.ok(after.revision > all.revision);
  assert.deepEqual(get('health=UNHEALTHY').instances.map((i: { id: string }) => i.id), ['i3']);
  assert.equal(get('health=UNHEALTHY').instances[0].healthReason, 'CHECK_FAILING');
  deps.waiters.closeAll();
  await node.stop();
});

/**
 * A real 5-daemon cluster on loopback (preset `test`): join, replication, kill -9
 * failure detection, restart and rejoin from persisted peers, and bad input on the
 * gossip port. The steps share one cluster and run in order.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { WireCodec } from '../../src/transport/codec.js';
import { makeHello } from '../../src/transport/handshake.js';
import { GOSSIP_PATH } from '../../src/transport/ws-transport.js';
import { api, freePort, startDaemon, stopAll, waitFor, type Daemon } from './helpers/daemon.js';

const N = 5;
const NS = 'cluster.test';
const ds: Daemon[] = [];
const MAX_FRAME = 4 * 1024 * 1024; // the `test` preset's maxFrameBytes

async function members(d: Daemon): Promise<{ name: string; status: string }[]> {
  return (await api(d, 'GET', '/v1/members')).body.members;
}

async function digest(d: Daemon): Promise<string> {
  return (await api(d, 'GET', '/v1/state/digest')).body.digest;
}

async function instances(d: Daemon, svc: string): Promise<{ id: string; health: string; healthReason: string; node: string }[]> {
  return (await api(d, 'GET', `/v1/discover/${NS}/${svc}?health=ALL`)).body.instances ?? [];
}

async function allAlive(group: Daemon[], n: number): Promise<boolean> {
  for (const d of group) if ((await members(d)).filter((m) => m.status === 'alive').length !== n) return false;
  return true;
}

before(async () => {
  ds.push(await startDaemon({ name: 'n1' }));
  ds.push(...(await Promise.all([2, 3, 4, 5].map((i) => startDaemon({ name: `n${i}`, join: [ds[0]!.gossipAddr] })))));
});

after(async () => {
  await stopAll(ds);
});

test('5 daemons join into one cluster', async () => {
  await waitFor(() => allAlive(ds, N), 'every node to see 5 alive members', 20_000);
  const names = (await members(ds[4]!)).map((m) => m.name).sort();
  assert.deepEqual(names, ['n1', 'n2', 'n3', 'n4', 'n5']);
});

test('a registration on node 1 is discoverable on node 5', async () => {
  assert.equal((await api(ds[0]!, 'PUT', `/v1/namespaces/${NS}`, { type: 'HTTP' })).status, 201);
  assert.equal((await api(ds[0]!, 'PUT', `/v1/namespaces/${NS}/services/web`, {})).status, 201);
  await waitFor(async () => (await api(ds[2]!, 'GET', `/v1/namespaces/${NS}/services/web`)).status === 200, 'service on n3', 10_000, 20);
  const put = await api(ds[0]!, 'PUT', `/v1/namespaces/${NS}/services/web/instances/i-n1`, { attributes: { AWS_INSTANCE_IPV4: '10.0.0.1' } });
  assert.equal(put.status, 201, JSON.stringify(put.body));
  const got = (await waitFor(async () => (await instances(ds[4]!, 'web')).find((i) => i.id === 'i-n1'), 'i-n1 on n5', 10_000, 20))!;
  assert.equal(got.health, 'HEALTHY');
  assert.equal(got.node, 'n1');
  // n3 owns an instance too: the next test kills n3.
  assert.equal((await api(ds[2]!, 'PUT', `/v1/namespaces/${NS}/services/web/instances/i-n3`, { attributes: { AWS_INSTANCE_IPV4: '10.0.0.3' } })).status, 201);
  for (const d of ds) await waitFor(async () => (await instances(d, 'web')).length === 2, `both instances on ${d.name}`, 10_000, 20);
});

test('garbage, oversized, unknown-type, wrong-cluster and replayed frames are refused; the daemon keeps serving, its state unchanged', async () => {
  const target = ds[1]!;
  const before = await digest(target);
  const codec = new WireCodec(MAX_FRAME + 1024 * 1024);
  const hello = (cluster = 'grapevine') => codec.encode(makeHello({ cluster, node: 'intruder', addr: '127.0.0.1:1', boot: 'x' }, Date.now()));
  const replayed = hello();
  const send = async (payload: Buffer | string | null, handshakeFirst?: Buffer): Promise<number> => {
    const ws = new WebSocket(`ws://${target.gossipAddr}${GOSSIP_PATH}`);
    ws.on('error', () => undefined);
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    await new Promise((r) => ws.once('open', r));
    if (handshakeFirst) {
      ws.send(handshakeFirst);
      await new Promise((r) => ws.once('message', r));
    }
    if (payload !== null) ws.send(payload);
    const t = setTimeout(() => ws.terminate(), 8_000);
    const code = await closed;
    clearTimeout(t);
    return code;
  };
  const refusals: [string, () => Promise<number>][] = [
    ['text', () => send('{"t":"r.push"}')],
    ['garbage', () => send(Buffer.concat([Buffer.from([0x00]), randomBytes(511)]))],
    ['oversized', () => send(Buffer.alloc(MAX_FRAME + 1024, 0xe7))],
    ['unknown type', () => send(codec.encode({ k: 'nuke' } as never))],
    ['truncated', () => send(hello().subarray(0, 12))],
    ['wrong cluster', () => send(hello('another-cluster'))],
    ['encrypted to a plain cluster', () => send(new WireCodec(MAX_FRAME).encode({ k: 'msg', m: { t: 'r.push' } }).fill(1, 1, 2))],
    ['replayed handshake (first use)', () => send(null, replayed).catch(() => 0)],
    ['replayed handshake', () => send(replayed)],
    ['unknown message after a good handshake', () => send(codec.encode({ k: 'msg', m: { t: 'z.evil' } } as never), hello())],
  ];
  for (const [what, act] of refusals) {
    if (what.endsWith('(first use)')) {
      // A genuine handshake that we then abandon: it must be accepted, so that the replay below is the only difference.
      const ws = new WebSocket(`ws://${target.gossipAddr}${GOSSIP_PATH}`);
      ws.on('error', () => undefined);
      await new Promise((r) => ws.once('open', r));
      ws.send(replayed);
      await new Promise((r) => ws.once('message', r));
      ws.terminate();
      continue;
    }
    const code = await act();
    assert.ok(code === 4001 || code === 1009, `${what}: connection closed with code ${code}`);
  }
  assert.equal((await api(target, 'GET', '/v1/status')).status, 200);
  assert.equal(await digest(target), before);
  const metrics = (await api(target, 'GET', '/v1/metrics')).body as string;
  for (const reason of ['text', 'bad_magic', 'oversize', 'unknown_type', 'truncated', 'wrong_cluster', 'replay']) {
    assert.match(metrics, new RegExp(`grapevine_gossip_(bad_frames|handshake_refused)_total\\{reason="${reason}"\\} [1-9]`), `counter for ${reason}`);
  }
  // Still a working member: a new write elsewhere reaches it.
  assert.equal((await api(ds[0]!, 'PUT', `/v1/namespaces/${NS}/services/web/instances/i-after-garbage`, { attributes: {} })).status, 201);
  await waitFor(async () => (await instances(target, 'web')).some((i) => i.id === 'i-after-garbage'), 'write after garbage reaches n2', 10_000, 20);
});

test('kill -9 of a node turns its instances UNHEALTHY (NODE_FAILED) on every other node', async () => {
  const victim = ds[2]!;
  const t0 = Date.now();
  await victim.kill9();
  const others = ds.filter((d) => d !== victim);
  await Promise.all(
    others.map((d) =>
      waitFor(async () => {
        const i = (await instances(d, 'web')).find((x) => x.id === 'i-n3');
        return i?.health === 'UNHEALTHY' && i.healthReason === 'NODE_FAILED';
      }, `i-n3 UNHEALTHY on ${d.name}`, 15_000, 20),
    ),
  );
  process.stdout.write(`# failure detected everywhere ${Date.now() - t0} ms after kill -9\n`);
  // Default discovery drops it; the others' instances stay healthy.
  const healthy = (await api(ds[0]!, 'GET', `/v1/discover/${NS}/web`)).body.instances.map((i: { id: string }) => i.id);
  assert.ok(!healthy.includes('i-n3') && healthy.includes('i-n1'));
  assert.equal((await members(ds[0]!)).find((m) => m.name === 'n3')?.status, 'dead');
});

test('a restarted node rejoins from its stored peers (its join list is down) and all digests become equal', async () => {
  // A write while n3 is down, which n3 must catch up on.
  assert.equal((await api(ds[3]!, 'PUT', `/v1/namespaces/${NS}/services/web/instances/i-while-down`, { attributes: {} })).status, 201);
  const deadSeed = `127.0.0.1:${await freePort()}`;
  ds[2] = await ds[2]!.restart({ join: [deadSeed] });
  await waitFor(() => allAlive(ds, N), 'every node to see 5 alive members again', 20_000);
  await waitFor(async () => {
    const all = await Promise.all(ds.map(digest));
    return all.every((d) => d === all[0]);
  }, 'equal digests on all nodes', 20_000, 100);
  assert.ok((await instances(ds[2]!, 'web')).some((i) => i.id === 'i-while-down'));
  // The owner is back, so its instance is back.
  for (const d of ds) {
    await waitFor(async () => (await instances(d, 'web')).find((i) => i.id === 'i-n3')?.health === 'HEALTHY', `i-n3 healthy again on ${d.name}`, 10_000, 20);
  }
});

test('a node stopped with SIGTERM leaves gracefully: the others see it left and its instances UNHEALTHY (NODE_LEFT)', async () => {
  const leaver = ds[4]!;
  assert.equal((await api(leaver, 'PUT', `/v1/namespaces/${NS}/services/web/instances/i-n5`, { attributes: {} })).status, 201);
  for (const d of ds) await waitFor(async () => (await instances(d, 'web')).some((i) => i.id === 'i-n5'), `i-n5 on ${d.name}`, 10_000, 20);
  assert.equal(await leaver.stop(), 0);
  for (const d of ds.slice(0, 4)) {
    await waitFor(async () => (await members(d)).find((m) => m.name === 'n5')?.status === 'left', `n5 left on ${d.name}`, 10_000, 20);
    const i = (await instances(d, 'web')).find((x) => x.id === 'i-n5');
    assert.equal(i?.health, 'UNHEALTHY');
    assert.equal(i?.healthReason, 'NODE_LEFT');
  }
});

/**
 * Gossip encryption with real daemons: two nodes sharing a key form a cluster and
 * replicate; a node with a different key is refused at the handshake (logged and
 * counted) and never joins; a node holding the cluster key as a secondary (the first
 * step of a rotation) joins.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, startDaemon, stopAll, tempDir, waitFor, type Daemon } from './helpers/daemon.js';

const key = () => randomBytes(32).toString('base64');
const K1 = key();
const K2 = key();
const dir = tempDir('grapevine-enc-');
const ds: Daemon[] = [];

function configWithKeys(name: string, keys: string[]): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ cluster: 'enc-test', encryptKeys: keys }));
  return file;
}

async function memberNames(d: Daemon): Promise<string[]> {
  return ((await api(d, 'GET', '/v1/members')).body.members as { name: string; status: string }[]).filter((m) => m.status === 'alive').map((m) => m.name).sort();
}

before(async () => {
  ds.push(await startDaemon({ name: 'e1', preset: 'test', configFile: configWithKeys('e1', [K1]) }));
});

after(async () => {
  await stopAll(ds);
  rmSync(dir, { recursive: true, force: true });
});

test('nodes with the same key join and replicate', async () => {
  ds.push(await startDaemon({ name: 'e2', preset: 'test', configFile: configWithKeys('e2', [K1]), join: [ds[0]!.gossipAddr] }));
  await waitFor(async () => (await memberNames(ds[0]!)).length === 2 && (await memberNames(ds[1]!)).length === 2, 'e1 and e2 to see each other', 15_000);
  await api(ds[0]!, 'PUT', '/v1/namespaces/enc.test', { type: 'HTTP' });
  await waitFor(async () => (await api(ds[1]!, 'GET', '/v1/namespaces/enc.test')).status === 200, 'namespace replicated to e2', 10_000, 20);
});

test('a node with the wrong key is refused at the handshake, counted, and does not join', async () => {
  const bad = await startDaemon({ name: 'bad', preset: 'test', configFile: configWithKeys('bad', [K2]), join: [ds[0]!.gossipAddr] });
  ds.push(bad);
  const refused = async () => {
    const m = (await api(ds[0]!, 'GET', '/v1/metrics')).body as string;
    const hit = /grapevine_gossip_handshake_refused_total\{reason="decrypt"\} (\d+)/.exec(m);
    return hit !== null && Number(hit[1]) >= 1;
  };
  await waitFor(refused, 'a counted decrypt refusal on e1', 15_000, 100);
  // Give it time to try again: it must stay out.
  await new Promise((r) => setTimeout(r, 1_500));
  assert.deepEqual(await memberNames(ds[0]!), ['e1', 'e2']);
  assert.deepEqual(await memberNames(ds[1]!), ['e1', 'e2']);
  assert.deepEqual(await memberNames(bad), ['bad']);
  assert.match(ds[0]!.output(), /gossip handshake refused/);
  assert.equal((await api(bad, 'GET', '/v1/namespaces/enc.test')).status, 404, 'no records leak to the refused node');
  // It holds the key the next test rotates to, so it must not linger.
  await bad.stop();
});

test('a node that holds the cluster key as a secondary (rotation step 1) joins', async () => {
  const next = await startDaemon({ name: 'e3', preset: 'test', configFile: configWithKeys('e3', [K1, K2]), join: [ds[0]!.gossipAddr] });
  ds.push(next);
  await waitFor(async () => (await memberNames(next)).includes('e1') && (await memberNames(ds[0]!)).includes('e3'), 'e3 to join', 15_000);
  await waitFor(async () => (await api(next, 'GET', '/v1/namespaces/enc.test')).status === 200, 'namespace replicated to e3', 10_000, 20);
});

/**
 * A second daemon that claims the name of a live member (another address, another
 * boot) is refused at the handshake: it exits with code 5 naming both addresses, and
 * the live member keeps its instances. A restart of the real member still rejoins.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, freePort, startDaemon, stopAll, waitFor, type Daemon } from './helpers/daemon.js';

const NS = 'identity.test';
const ds: Daemon[] = [];
after(async () => {
  await stopAll(ds);
});

async function instances(d: Daemon): Promise<{ id: string; health: string; node: string }[]> {
  return (await api(d, 'GET', `/v1/discover/${NS}/web?health=ALL`)).body.instances ?? [];
}

async function memberOf(d: Daemon, name: string): Promise<{ name: string; gossipAddr: string; status: string } | undefined> {
  return ((await api(d, 'GET', '/v1/members')).body.members as { name: string; gossipAddr: string; status: string }[]).find((m) => m.name === name);
}

test('an impostor under a live member\'s name exits with code 5 naming both addresses; the member keeps its instances', async () => {
  const n1 = await startDaemon({ name: 'n1' });
  ds.push(n1);
  const n2 = await startDaemon({ name: 'n2', join: [n1.gossipAddr] });
  ds.push(n2);
  await waitFor(async () => (await memberOf(n1, 'n2'))?.status === 'alive', 'n2 alive on n1', 20_000);
  assert.equal((await api(n2, 'PUT', `/v1/namespaces/${NS}`, { type: 'HTTP' })).status, 201);
  assert.equal((await api(n2, 'PUT', `/v1/namespaces/${NS}/services/web`, {})).status, 201);
  assert.equal((await api(n2, 'PUT', `/v1/namespaces/${NS}/services/web/instances/i-n2`, { attributes: {} })).status, 201);
  await waitFor(async () => (await instances(n1)).some((i) => i.id === 'i-n2' && i.health === 'HEALTHY'), 'i-n2 on n1', 10_000);

  const impostorGossip = `127.0.0.1:${await freePort()}`;
  let code: number | null | undefined;
  let output = '';
  try {
    const imp = await startDaemon({ name: 'n2', join: [n1.gossipAddr], ports: { gossip: Number(impostorGossip.split(':')[1]) } });
    ds.push(imp);
    code = await waitFor(async () => (imp.proc.exitCode !== null ? { c: imp.proc.exitCode } : undefined), 'the impostor to exit', 15_000).then((x) => x!.c);
    output = imp.output();
  } catch (e) {
    // It may be refused (and gone) before its HTTP API first answered.
    const err = e as Error & { exitCode?: number | null; output?: string };
    code = err.exitCode;
    output = err.output ?? err.message;
  }
  assert.equal(code, 5, output.slice(-2000));
  assert.ok(output.includes(n2.gossipAddr), `the message names the live member's address ${n2.gossipAddr}:\n${output.slice(-2000)}`);
  assert.ok(output.includes(impostorGossip), `the message names the impostor's address ${impostorGossip}:\n${output.slice(-2000)}`);

  // The real member is untouched: still alive at its own address, its instance still HEALTHY and owned by it.
  await new Promise((r) => setTimeout(r, 1_500));
  const m = await memberOf(n1, 'n2');
  assert.equal(m?.status, 'alive');
  assert.equal(m?.gossipAddr, n2.gossipAddr);
  const i = (await instances(n1)).find((x) => x.id === 'i-n2');
  assert.equal(i?.health, 'HEALTHY');
  assert.equal(i?.node, 'n2');
  const metrics = (await api(n1, 'GET', '/v1/metrics')).body as string;
  assert.match(metrics, /grapevine_gossip_handshake_refused_total\{reason="identity"\} [1-9]/);
});

test('the real member restarted (same name, new boot) rejoins and keeps its instances', async () => {
  const [n1, n2] = ds as [Daemon, Daemon];
  await n2.kill9();
  ds[1] = await n2.restart();
  await waitFor(async () => (await memberOf(n1, 'n2'))?.status === 'alive' && (await memberOf(ds[1]!, 'n1'))?.status === 'alive', 'n2 back and alive', 20_000);
  await waitFor(async () => (await instances(n1)).find((x) => x.id === 'i-n2')?.health === 'HEALTHY', 'i-n2 healthy after the restart', 15_000);
  assert.ok(!ds[1]!.output().includes('is taken'), ds[1]!.output().slice(-2000));
});

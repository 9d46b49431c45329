/**
 * Clocks that disagree, with real daemons under libfaketime (Debian `faketime`): a node
 * an hour ahead joins and converges with a normal one (and a delete written on the
 * normal node after the future node's write still wins), and once a majority says
 * otherwise, the node an hour ahead is named as skewed in /v1/status, /v1/members and
 * a metric, and refuses writes with ClockSkew. Skipped, with the reason, when
 * libfaketime is not installed.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { api, startDaemon, stopAll, waitFor, type Daemon } from './helpers/daemon.js';

const NS = 'clock.test';
const HOUR_MS = 3600_000;
const LIBS = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1', '/usr/lib64/faketime/libfaketime.so.1', '/usr/local/lib/faketime/libfaketime.so.1'];

function faketimeLib(): string | undefined {
  if (spawnSync('which', ['faketime'], { encoding: 'utf8' }).status !== 0) return undefined;
  return LIBS.find((p) => existsSync(p));
}

const lib = faketimeLib();
const skipWhy = lib ? false : 'libfaketime not installed (Debian package `faketime`): clock skew between real daemons cannot be staged';
if (skipWhy) process.stdout.write(`# skipped: ${skipWhy}\n`);

/** fakeEnv shifts a daemon's wall clock by an offset such as "+1h" (monotonic time stays real, so timers behave). */
function fakeEnv(offset: string): Record<string, string> {
  return { LD_PRELOAD: lib!, FAKETIME: offset, FAKETIME_DONT_FAKE_MONOTONIC: '1', FAKETIME_NO_CACHE: '1' };
}

const ds: Daemon[] = [];
after(async () => {
  await stopAll(ds);
});

async function digest(d: Daemon): Promise<string> {
  return (await api(d, 'GET', '/v1/state/digest')).body.digest;
}

async function members(d: Daemon): Promise<{ name: string; status: string; clockSkewMs?: number; clockSkewed?: boolean }[]> {
  return (await api(d, 'GET', '/v1/members')).body.members;
}

test('a node an hour ahead joins a normal one; writes on both replicate and the digests become equal', { skip: skipWhy }, async () => {
  const normal = await startDaemon({ name: 'n1' });
  ds.push(normal);
  const ahead = await startDaemon({ name: 'n2', join: [normal.gossipAddr], env: fakeEnv('+1h') });
  ds.push(ahead);
  await waitFor(async () => (await members(normal)).filter((m) => m.status === 'alive').length === 2, 'both alive on n1', 20_000);
  // n1 measured n2's clock at the handshake: an hour ahead (so faketime works, and so does the measurement).
  const n2 = await waitFor(async () => (await members(normal)).find((m) => m.name === 'n2' && m.clockSkewMs !== undefined), 'n2 measured on n1', 10_000);
  assert.ok(Math.abs(n2!.clockSkewMs! - HOUR_MS) < 60_000, `n2 is ${n2!.clockSkewMs} ms off`);
  // The node an hour ahead writes; the normal one sees it (not refused as "in the future").
  assert.equal((await api(ahead, 'PUT', `/v1/namespaces/${NS}`, { type: 'HTTP' })).status, 201);
  assert.equal((await api(ahead, 'PUT', `/v1/namespaces/${NS}/services/web`, {})).status, 201);
  assert.equal((await api(ahead, 'PUT', `/v1/namespaces/${NS}/services/web/instances/i-ahead`, { attributes: {} })).status, 201);
  await waitFor(async () => (await api(normal, 'GET', `/v1/namespaces/${NS}/services/web/instances/i-ahead`)).status === 200, 'i-ahead on n1', 10_000);
  // The normal node writes after it: its version orders after the future one (the HLC took the max), so it wins.
  assert.equal((await api(normal, 'PUT', `/v1/namespaces/${NS}/services/web/instances/i-normal`, { attributes: {} })).status, 201);
  assert.equal((await api(normal, 'DELETE', `/v1/namespaces/${NS}/services/web/instances/i-ahead`)).status < 300, true);
  await waitFor(async () => (await api(ahead, 'GET', `/v1/namespaces/${NS}/services/web/instances/i-ahead`)).status === 404, 'the delete from n1 wins on n2', 10_000);
  await waitFor(async () => (await api(ahead, 'GET', `/v1/namespaces/${NS}/services/web/instances/i-normal`)).status === 200, 'i-normal on n2', 10_000);
  await waitFor(async () => (await digest(normal)) === (await digest(ahead)), 'equal digests', 20_000);
  // Two nodes an hour apart: no majority to blame either, so neither refuses writes.
  for (const d of ds) assert.equal((await api(d, 'GET', '/v1/status')).body.clock.skewed, false);
});

test('with a majority on normal time, the node an hour ahead is named skewed and refuses writes with ClockSkew', { skip: skipWhy }, async () => {
  const [normal, ahead] = ds as [Daemon, Daemon];
  const third = await startDaemon({ name: 'n3', join: [normal.gossipAddr] });
  ds.push(third);
  await waitFor(async () => (await members(ahead)).filter((m) => m.status === 'alive').length === 3, 'three alive on n2', 20_000);
  const status = await waitFor(async () => {
    const s = (await api(ahead, 'GET', '/v1/status')).body;
    return s.clock?.skewed ? s : undefined;
  }, 'n2 to see itself skewed', 15_000);
  assert.ok(Math.abs(status.clock.skewMs - HOUR_MS) < 60_000, `skew ${status.clock.skewMs}`);
  assert.equal(status.clock.maxClockSkewMs, 300_000);
  const put = await api(ahead, 'PUT', `/v1/namespaces/${NS}/services/web/instances/i-refused`, { attributes: {} });
  assert.equal(put.status, 503);
  assert.equal(put.body.code ?? put.body.error?.code, 'ClockSkew', JSON.stringify(put.body));
  // The others name it too, and keep accepting writes themselves.
  const seen = await waitFor(async () => (await members(normal)).find((m) => m.name === 'n2' && m.clockSkewed), 'n2 named skewed in n1 members', 10_000);
  assert.ok(Math.abs(seen!.clockSkewMs! - HOUR_MS) < 60_000);
  assert.equal((await members(normal)).find((m) => m.name === 'n1')?.clockSkewed, false);
  assert.equal((await api(normal, 'PUT', `/v1/namespaces/${NS}/services/web/instances/i-late`, { attributes: {} })).status, 201);
  const metrics = (await api(ahead, 'GET', '/v1/metrics')).body as string;
  assert.match(metrics, /grapevine_clock_skewed\{node="n2"\} 1/);
  assert.match(ahead.output(), /clock of this node \(n2\) is 36\d\d s off the cluster/);
  // The skewed node still converges: it receives what the others write.
  await waitFor(async () => {
    const all = await Promise.all(ds.map(digest));
    return all.every((d) => d === all[0]);
  }, 'equal digests on all three', 20_000);
});

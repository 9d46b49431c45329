import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, startDaemon, stopAll, tempDir, waitFor, type Daemon } from './helpers/daemon.js';

const NS = 'cfg.internal';
const inst = (id: string) => `/v1/namespaces/${NS}/services/web/instances/${id}`;

function writeConfig(file: string, ids: string[]): void {
  writeFileSync(file, JSON.stringify({
    namespaces: [{ name: NS, type: 'HTTP' }],
    services: [{ namespace: NS, name: 'web' }],
    registrations: ids.map((id) => ({ namespace: NS, service: 'web', id, attributes: { ipv4: '10.0.0.1' } })),
  }));
}

describe('config registrations are authoritative for their host', () => {
  const dir = tempDir();
  const file = join(dir, 'b.json');
  let a: Daemon | undefined;
  let b: Daemon | undefined;
  after(async () => {
    await stopAll([a, b]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('re-applied at start (a deregistration made elsewhere while down is undone), removed ones deregistered, API ones left alone', async () => {
    a = await startDaemon({ name: 'cfg-a' });
    writeConfig(file, ['r1']);
    b = await startDaemon({ name: 'cfg-b', configFile: file, preset: 'test', join: [a.gossipAddr], logLevel: 'info' });
    await waitFor(async () => (await api(a!, 'GET', inst('r1'))).status === 200, 'a sees r1');
    assert.equal((await api(b, 'PUT', inst('api1'), { attributes: { ipv4: '10.0.0.2' } })).status, 201);
    await waitFor(async () => (await api(a!, 'GET', inst('api1'))).status === 200, 'a sees api1');

    assert.equal(await b.stop(), 0);
    assert.equal((await api(a, 'DELETE', inst('r1'))).status, 200, 'deregistered on a while b is down');
    b = await b.restart();
    await waitFor(async () => (await api(a!, 'GET', inst('r1'))).status === 200, 'r1 is back on a after b restarted', 20_000);
    await waitFor(async () => (await api(b!, 'GET', inst('r1'))).status === 200, 'r1 is back on b', 20_000);
    await waitFor(() => /registered again from the config/.test(b!.output()), 'b logs that it registered r1 again');

    // A deregistration made while b runs is respected until its next start.
    assert.equal((await api(a, 'DELETE', inst('r1'))).status, 200);
    await waitFor(async () => (await api(b!, 'GET', inst('r1'))).status === 404, 'b sees r1 deregistered');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await api(b, 'GET', inst('r1'))).status, 404, 'not brought back while running');

    assert.equal(await b.stop(), 0);
    writeConfig(file, ['r2']);
    b = await b.restart();
    assert.equal((await api(b, 'GET', inst('r2'))).status, 200, 'a new config registration is applied at start');
    assert.equal((await api(b, 'GET', inst('r1'))).status, 404);
    assert.equal((await api(b, 'GET', inst('api1'))).status, 200, 'an API registration is left alone');

    assert.equal(await b.stop(), 0);
    writeConfig(file, []);
    b = await b.restart();
    assert.equal((await api(b, 'GET', inst('r2'))).status, 404, 'a registration removed from the config is deregistered at the next start');
    assert.equal((await api(b, 'GET', inst('api1'))).status, 200, 'the API registration is still left alone');
    await waitFor(async () => (await api(a!, 'GET', inst('r2'))).status === 404, 'the deregistration replicates');
  });
});

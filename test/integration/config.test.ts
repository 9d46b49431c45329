import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, freePort, MAIN_JS, startDaemon, tempDir, type Daemon } from './helpers/daemon.js';

async function configFile(dir: string, extra: Record<string, unknown> = {}): Promise<string> {
  const file = join(dir, 'cluster.json');
  const cfg = {
    cluster: 'ctest',
    preset: 'test',
    nodes: [
      { name: 'c1', gossipAddr: `127.0.0.1:${await freePort()}`, httpAddr: `127.0.0.1:${await freePort()}`, dnsAddr: `127.0.0.1:${await freePort()}`, dataDir: join(dir, 'c1') },
      { name: 'c2', gossipAddr: `127.0.0.1:${await freePort()}`, httpAddr: `127.0.0.1:${await freePort()}`, dataDir: join(dir, 'c2') },
    ],
    namespaces: [{ name: 'demo.internal', type: 'DNS' }],
    services: [{ namespace: 'demo.internal', name: 'web' }],
    registrations: [
      { namespace: 'demo.internal', service: 'web', id: 'web-1', attributes: { ipv4: '127.0.0.1', port: '8080' } },
      { namespace: 'demo.internal', service: 'web', id: 'web-2', attributes: { ipv4: '127.0.0.2', port: '8080' }, node: 'c2' },
    ],
    ...extra,
  };
  writeFileSync(file, JSON.stringify(cfg));
  return file;
}

test('config file: a node applies definitions and its own registrations, idempotently across restarts', async () => {
  const dir = tempDir();
  let d: Daemon | undefined;
  try {
    const file = await configFile(dir);
    d = await startDaemon({ name: 'c1', configFile: file, dataDir: join(dir, 'c1') });
    const disc = await api(d, 'GET', '/v1/discover/demo.internal/web');
    assert.deepEqual(disc.body.instances.map((i: { id: string }) => i.id), ['web-1'], 'web-2 belongs to c2');
    const digest = (await api(d, 'GET', '/v1/state/digest')).body.digest;
    await d.stop();
    d = await d.restart();
    assert.equal((await api(d, 'GET', '/v1/state/digest')).body.digest, digest, 'a restart rewrites nothing');
  } finally {
    await d?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('config file: unknown or bad fields stop the daemon, naming the field', async () => {
  const dir = tempDir();
  try {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ colour: 'red' }, /colour: unknown field/],
      [{ preset: 'fast' }, /preset/],
      [{ gossip: { probeIntervalMs: 1 } }, /gossip\.probeIntervalMs/],
      [{ encryptKeys: ['short'] }, /encryptKeys\[0\]/],
      [{ services: [{ namespace: 'demo.internal', name: 'web', healthCheck: { type: 'TCP', path: '/' } }] }, /services\[0\]\.healthCheck\.path/],
      [{ dns: { recursors: ['nope'] } }, /dns\.recursors\[0\]/],
    ];
    for (const [extra, re] of cases) {
      const file = await configFile(dir, extra);
      const r = spawnSync(process.execPath, [MAIN_JS, 'agent', '--config', file, '--node', 'c1'], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(r.status, 2, `${JSON.stringify(extra)}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
    const file = await configFile(dir);
    const r = spawnSync(process.execPath, [MAIN_JS, 'agent', '--config', file], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--node/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

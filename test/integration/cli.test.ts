import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, freePort, MAIN_JS, startDaemon, stopAll, tempDir, waitFor, type Daemon } from './helpers/daemon.js';

function cli(d: Daemon, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN_JS, ...args, '--http-addr', d.httpAddr], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('CLI against a real daemon', () => {
  let d: Daemon;
  before(async () => {
    d = await startDaemon({ name: 'cli1' });
  });
  after(async () => {
    await stopAll([d]);
  });

  test('create, register, discover as tables and JSON; errors exit non-zero with code and message', () => {
    assert.equal(cli(d, 'namespace', 'create', 'cli.internal').status, 0);
    assert.equal(cli(d, 'service', 'create', 'cli.internal', 'web', '--records', 'A,SRV', '--ttl', '5').status, 0);
    const reg = cli(d, 'register', 'cli.internal', 'web', 'w1', '--ipv4', '10.0.0.1', '--port', '80', '--attr', 'az=a');
    assert.equal(reg.status, 0, reg.stderr);
    const table = cli(d, 'discover', 'cli.internal', 'web');
    assert.equal(table.status, 0);
    assert.match(table.stdout, /^ID\s+HEALTH/m);
    assert.match(table.stdout, /w1\s+HEALTHY/);
    const json = JSON.parse(cli(d, 'discover', 'cli.internal', 'web', '--attr', 'az=a', '--json').stdout);
    assert.deepEqual(json.instances.map((i: { id: string }) => i.id), ['w1']);
    assert.equal(JSON.parse(cli(d, 'discover', 'cli.internal', 'web', '--attr', 'az=b', '--json').stdout).instances.length, 0);
    const svcs = JSON.parse(cli(d, 'service', 'list', 'cli.internal', '--json').stdout);
    assert.equal(svcs.services[0].dns.records[0].ttl, 5);
    const members = cli(d, 'members');
    assert.match(members.stdout, /cli1\s+127\.0\.0\.1:\d+\s+alive/);
    const inUse = cli(d, 'namespace', 'delete', 'cli.internal');
    assert.equal(inUse.status, 1);
    assert.match(inUse.stderr, /^error: ResourceInUse: /);
    const bad = cli(d, 'service', 'create', 'cli.internal', 'tcp', '--check', 'TCP', '--check-path', '/x');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /InvalidInput: --check-path: /);
    assert.equal(cli(d, 'deregister', 'cli.internal', 'web', 'w1').status, 0);
    assert.equal(cli(d, 'service', 'delete', 'cli.internal', 'web').status, 0);
    assert.equal(cli(d, 'namespace', 'delete', 'cli.internal').status, 0);
  });

  test('an unreachable daemon is a clear error', async () => {
    const port = await freePort();
    const r = spawnSync(process.execPath, [MAIN_JS, 'members', '--http-addr', `127.0.0.1:${port}`], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^error: Unavailable: cannot reach the daemon/);
  });

  test('discover --watch prints again when the service changes', async () => {
    await api(d, 'PUT', '/v1/namespaces/w.internal', { type: 'HTTP' });
    await api(d, 'PUT', '/v1/namespaces/w.internal/services/s', {});
    const p = spawn(process.execPath, [MAIN_JS, 'discover', 'w.internal', 's', '--watch', '--json', '--http-addr', d.httpAddr]);
    try {
      let out = '';
      p.stdout.on('data', (c) => (out += c));
      await waitFor(() => out.split('\n').filter(Boolean).length >= 1, 'first answer');
      await api(d, 'PUT', '/v1/namespaces/w.internal/services/s/instances/x1', { attributes: {} });
      await waitFor(() => out.split('\n').filter(Boolean).length >= 2, 'second answer');
      const second = JSON.parse(out.split('\n').filter(Boolean)[1]!);
      assert.deepEqual(second.instances.map((i: { id: string }) => i.id), ['x1']);
    } finally {
      p.kill('SIGKILL');
    }
  });
});

test('cluster --config starts every node, and SIGTERM stops them all cleanly', async () => {
  const dir = tempDir();
  const cfg = join(dir, 'c.json');
  const nodes = [];
  for (const name of ['k1', 'k2']) {
    nodes.push({ name, gossipAddr: `127.0.0.1:${await freePort()}`, httpAddr: `127.0.0.1:${await freePort()}`, dataDir: join(dir, name) });
  }
  writeFileSync(cfg, JSON.stringify({ cluster: 'k', preset: 'test', nodes, logLevel: 'warn' }));
  const p = spawn(process.execPath, [MAIN_JS, 'cluster', '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout!.on('data', (c) => (out += c));
  try {
    for (const n of nodes) await waitFor(async () => (await api(`http://${n.httpAddr}`, 'GET', '/v1/status')).body.node === n.name, `${n.name} up`, 20_000);
    const exit = new Promise<number | null>((resolve) => p.once('exit', (code) => resolve(code)));
    p.kill('SIGTERM');
    const code = await Promise.race([exit, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 25_000).unref())]);
    assert.equal(code, 0, out);
    for (const n of nodes) await assert.rejects(api(`http://${n.httpAddr}`, 'GET', '/v1/status', undefined, 2000));
  } finally {
    p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('grapevine leave: the daemon leaves and shuts down cleanly (exit 0)', async () => {
  const d = await startDaemon({ name: 'leave1' });
  try {
    const exit = new Promise<number | null>((resolve) => d.proc.once('exit', (code) => resolve(code)));
    const r = cli(d, 'leave', '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).left, true);
    const code = await Promise.race([exit, new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), 20_000).unref())]);
    assert.equal(code, 0);
  } finally {
    d.cleanup();
  }
});

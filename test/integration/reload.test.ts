import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAIN_JS, api, freePort, tempDir, waitFor } from './helpers/daemon.js';

const NS = 'hup.internal';
const inst = (id: string) => `/v1/namespaces/${NS}/services/web/instances/${id}`;

describe('SIGHUP reloads the config', () => {
  const dir = tempDir();
  const file = join(dir, 'n.json');
  let proc: ChildProcess | undefined;
  after(() => {
    if (proc && proc.exitCode === null) proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('log level, registrations and their checks change; restart-only fields are named; the daemon lives on', async () => {
    let [http, gossip, http2] = [await freePort(), await freePort(), await freePort()];
    const write = (logLevel: string, regs: { id: string; ttlMs: number }[], httpPort = http) =>
      writeFileSync(file, JSON.stringify({
        nodes: [{ name: 'hup', httpAddr: `127.0.0.1:${httpPort}`, gossipAddr: `127.0.0.1:${gossip}`, dataDir: join(dir, 'data') }],
        preset: 'test',
        logLevel,
        namespaces: [{ name: NS, type: 'HTTP' }],
        services: [{ namespace: NS, name: 'web', healthCheck: { type: 'TTL', ttlMs: 60_000 } }],
        registrations: regs.map((r) => ({ namespace: NS, service: 'web', id: r.id, attributes: {}, healthCheck: { ttlMs: r.ttlMs } })),
      }));
    let out = '';
    let url = '';
    // A port picked as free may be taken before the daemon binds it (exit 4): then try new ones.
    for (let attempt = 0; ; attempt++) {
      write('warn', [{ id: 'r1', ttlMs: 30_000 }]);
      out = '';
      const p = spawn(process.execPath, [MAIN_JS, 'agent', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GRAPEVINE_LOG_PRETTY: '0' } });
      proc = p;
      p.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      p.stderr!.on('data', (c: Buffer) => (out += c.toString()));
      url = `http://127.0.0.1:${http}`;
      await waitFor(async () => p.exitCode !== null || (await api(url, 'GET', '/v1/status', undefined, 2000)).status === 200, 'daemon up', 30_000);
      if (p.exitCode === null) break;
      assert.ok(p.exitCode === 4 && attempt < 3, `the daemon exited with ${p.exitCode}: ${out}`);
      [http, gossip, http2] = [await freePort(), await freePort(), await freePort()];
    }
    assert.equal((await api(url, 'GET', inst('r1'))).body.healthCheck?.ttlMs, 30_000);
    assert.doesNotMatch(out, /"level":30/, 'nothing at info while the level is warn');

    write('info', [{ id: 'r1', ttlMs: 45_000 }, { id: 'r2', ttlMs: 20_000 }], http2);
    proc.kill('SIGHUP');
    await waitFor(async () => (await api(url, 'GET', inst('r2'))).status === 200, 'r2 registered by the reload');
    assert.equal((await api(url, 'GET', inst('r1'))).body.healthCheck?.ttlMs, 45_000, "the registration's check changed");
    await waitFor(() => /config reloaded/.test(out) && /"level":30/.test(out), 'info lines appear after the reload');
    await waitFor(() => /change only at a restart: httpAddr/.test(out), 'the warning names httpAddr');

    write('info', [{ id: 'r2', ttlMs: 20_000 }]);
    proc.kill('SIGHUP');
    await waitFor(async () => (await api(url, 'GET', inst('r1'))).status === 404, 'r1, removed from the config, is deregistered');

    writeFileSync(file, '{ not json');
    proc.kill('SIGHUP');
    await waitFor(() => /config reload failed/.test(out), 'a bad config is reported');
    assert.equal((await api(url, 'GET', '/v1/status')).status, 200, 'the daemon is still running');
    assert.equal(proc.exitCode, null);

    proc.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => (proc!.exitCode !== null ? r(proc!.exitCode) : proc!.once('exit', (c) => r(c))));
    assert.equal(code, 0);
  });
});

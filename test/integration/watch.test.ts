import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { MAIN_JS, api, startDaemon, stopAll, waitFor, type Daemon } from './helpers/daemon.js';

describe('discover --watch', () => {
  let d: Daemon | undefined;
  let watch: ChildProcess | undefined;
  after(async () => {
    if (watch && watch.exitCode === null) watch.kill('SIGKILL');
    await stopAll([d]);
  });

  test('survives a daemon restart: says it retries, does not exit, and prints the next change', async () => {
    d = await startDaemon({ name: 'watch1' });
    await api(d, 'PUT', '/v1/namespaces/w.internal', { type: 'HTTP' });
    await api(d, 'PUT', '/v1/namespaces/w.internal/services/s', {});
    await api(d, 'PUT', '/v1/namespaces/w.internal/services/s/instances/i1', { attributes: {} });
    watch = spawn(process.execPath, [MAIN_JS, 'discover', 'w.internal', 's', '--watch', '--json', '--http-addr', d.httpAddr], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    watch.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    watch.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const answers = () => out.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { instances: { id: string }[] });
    await waitFor(() => answers().length === 1, 'the first answer');
    assert.deepEqual(answers()[0]!.instances.map((i) => i.id), ['i1']);

    assert.equal(await d.stop(), 0);
    await waitFor(() => /cannot watch: .*retrying in/.test(err), 'the watch says it retries', 10_000);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(watch.exitCode, null, `the watch is still running: ${err}`);

    d = await d.restart();
    await waitFor(() => /reconnected/.test(err), 'the watch reconnects', 20_000);
    await api(d, 'PUT', '/v1/namespaces/w.internal/services/s/instances/i2', { attributes: {} });
    await waitFor(() => answers().some((a) => a.instances.length === 2), 'the watch prints the change made after the restart', 15_000);
    assert.equal(watch.exitCode, null);
    watch.kill('SIGTERM');
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { api, MAIN_JS, startDaemon, stopAll, waitFor, type Daemon } from './helpers/daemon.js';

function cli(d: Daemon | undefined, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN_JS, ...args, ...(d ? ['--http-addr', d.httpAddr] : [])], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('operator CLI and API', () => {
  let d: Daemon;
  let peer: Daemon | undefined;
  before(async () => {
    d = await startDaemon({ name: 'op1' });
  });
  after(async () => {
    await stopAll([d, peer]);
  });

  test('version and --version print the package version', () => {
    const v = cli(undefined, 'version');
    assert.equal(v.status, 0);
    assert.match(v.stdout, /^grapevine \d+\.\d+\.\d+/);
    assert.equal(cli(undefined, '--version').stdout.trim(), v.stdout.split('\n')[0]);
  });

  test('completion bash and zsh are scripts that know the commands; another shell is refused', () => {
    const bash = cli(undefined, 'completion', 'bash');
    assert.equal(bash.status, 0);
    assert.match(bash.stdout, /complete -o default -F _grapevine grapevine/);
    assert.match(bash.stdout, /force-leave/);
    assert.equal(spawnSync('bash', ['-n'], { input: bash.stdout }).status ?? 0, 0, 'bash parses it');
    assert.match(cli(undefined, 'completion', 'zsh').stdout, /^#compdef grapevine/);
    assert.equal(cli(undefined, 'completion', 'fish').status, 1);
  });

  test('service create/update, register with check overrides (PENDING), instance get/list, flag names in errors', () => {
    assert.equal(cli(d, 'namespace', 'create', 'op.internal', '--type', 'HTTP').status, 0);
    const created = cli(d, 'service', 'create', 'op.internal', 'web', '--check', 'HTTP', '--check-path', '/health', '--description', 'first');
    assert.equal(created.status, 0, created.stderr);
    const again = cli(d, 'service', 'create', 'op.internal', 'web');
    assert.equal(again.status, 1);
    assert.match(again.stderr, /exists.*service update/);
    const upd = cli(d, 'service', 'update', 'op.internal', 'web', '--description', 'second');
    assert.equal(upd.status, 0, upd.stderr);
    const svc = JSON.parse(cli(d, 'service', 'list', 'op.internal', '--json').stdout).services[0];
    assert.equal(svc.description, 'second');
    assert.equal(svc.healthCheck.path, '/health', 'update changed only the field it was given');
    const upd2 = cli(d, 'service', 'update', 'op.internal', 'web', '--check-interval', '30s');
    assert.equal(upd2.status, 0, upd2.stderr);
    const svc2 = JSON.parse(cli(d, 'service', 'list', 'op.internal', '--json').stdout).services[0];
    assert.deepEqual([svc2.healthCheck.intervalMs, svc2.healthCheck.path, svc2.description], [30_000, '/health', 'second']);

    // 192.0.2.1 (TEST-NET) never answers: the first check is still running, so the instance is PENDING.
    const reg = cli(d, 'register', 'op.internal', 'web', 'w1', '--ipv4', '192.0.2.1', '--port', '80', '--check-path', '/ready', '--check-timeout', '5s', '--check-interval', '60s');
    assert.equal(reg.status, 0, reg.stderr);
    assert.match(reg.stdout, /\(PENDING, owner op1\)/);
    const got = JSON.parse(cli(d, 'instance', 'get', 'op.internal', 'web', 'w1', '--json').stdout);
    assert.equal(got.healthCheck.path, '/ready');
    assert.match(cli(d, 'instance', 'get', 'op.internal', 'web', 'w1').stdout, /w1\s+PENDING/);
    for (const id of ['w2', 'w3']) assert.equal(cli(d, 'register', 'op.internal', 'web', id, '--ipv4', '192.0.2.1', '--port', '80').status, 0);
    const list = JSON.parse(cli(d, 'instance', 'list', 'op.internal', 'web', '--max', '2', '--json').stdout);
    assert.deepEqual(list.instances.map((i: { id: string }) => i.id), ['w1', 'w2', 'w3'], 'the CLI follows next tokens');

    const bad = cli(d, 'register', 'op.internal', 'web', 'w9', '--ipv4', '192.0.2.1', '--port', '80', '--check-timeout', '2m');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^error: InvalidInput: --check-(timeout|interval)\b/, bad.stderr);
    assert.doesNotMatch(bad.stderr, /healthCheck\./);
  });

  test('every list route pages with max and next; unknown query parameters are refused the same way everywhere', async () => {
    for (const n of ['a', 'b', 'c']) await api(d, 'PUT', `/v1/namespaces/${n}.page.internal`, { type: 'HTTP' });
    const seen: string[] = [];
    let next: string | undefined;
    for (let i = 0; i < 20; i++) {
      const r = await api(d, 'GET', `/v1/namespaces?max=2${next ? `&next=${next}` : ''}`);
      assert.equal(r.status, 200);
      assert.ok(r.body.namespaces.length <= 2);
      seen.push(...r.body.namespaces.map((n: { name: string }) => n.name));
      next = r.body.next;
      if (!next) break;
    }
    assert.deepEqual(seen, [...new Set(seen)].sort(), 'no repeats, in order');
    assert.ok(['a.page.internal', 'b.page.internal', 'c.page.internal', 'op.internal'].every((n) => seen.includes(n)));
    const svcs = await api(d, 'GET', '/v1/namespaces/op.internal/services?max=1');
    assert.equal(svcs.body.services.length, 1);
    const insts = await api(d, 'GET', '/v1/namespaces/op.internal/services/web/instances?max=1');
    assert.equal(insts.body.instances.length, 1);
    assert.ok(insts.body.next);
    const members = await api(d, 'GET', '/v1/members?max=1');
    assert.equal(members.body.members.length, 1);
    assert.equal((await api(d, 'GET', '/v1/namespaces?next=%%%')).status, 400);
    for (const path of ['/v1/status', '/v1/namespaces', '/v1/namespaces/op.internal', '/v1/namespaces/op.internal/services/web/instances', '/v1/members', '/v1/discover/op.internal/web', '/v1/state/digest']) {
      const r = await api(d, 'GET', `${path}?bogus=1`);
      assert.equal(r.status, 400, path);
      assert.equal(r.body.error.code, 'InvalidInput', path);
      assert.match(r.body.error.message, /^bogus: unknown query parameter/, path);
    }
  });

  test('members marks the local node; force-leave marks a failed member left', async () => {
    peer = await startDaemon({ name: 'op2', join: [d.gossipAddr] });
    await waitFor(async () => (await api(d, 'GET', '/v1/members')).body.members.some((m: { name: string; status: string }) => m.name === 'op2' && m.status === 'alive'), 'op2 alive');
    assert.match(cli(d, 'members').stdout, /op1\s.*\*\s*$/m);
    const alive = cli(d, 'force-leave', 'op2');
    assert.equal(alive.status, 1, 'a live member is not forced out');
    await peer.kill9();
    await waitFor(async () => (await api(d, 'GET', '/v1/members')).body.members.some((m: { name: string; status: string }) => m.name === 'op2' && (m.status === 'dead' || m.status === 'suspect')), 'op2 failed', 20_000);
    const fl = cli(d, 'force-leave', 'op2');
    assert.equal(fl.status, 0, fl.stderr);
    assert.match(fl.stdout, /op2 is left/);
    const m = (await api(d, 'GET', '/v1/members')).body.members.find((x: { name: string }) => x.name === 'op2');
    assert.ok(!m || m.status === 'left', `op2 is left or reaped: ${JSON.stringify(m)}`);
    assert.equal(cli(d, 'force-leave', 'nobody').status, 1);
  });
});

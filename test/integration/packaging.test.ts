import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { api, freePort, tempDir, waitFor } from './helpers/daemon.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const UNIT = join(ROOT, 'packaging', 'grapevine.service');

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

describe('packaging', () => {
  test('LICENSE matches package.json', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string };
    const text = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    assert.equal(pkg.license, 'MIT');
    assert.match(text, /^MIT License/);
  });

  test('the systemd unit runs as its own user, restarts on failure, reloads with SIGHUP and stops with SIGTERM after the leave', () => {
    const unit = readFileSync(UNIT, 'utf8');
    assert.match(unit, /^User=grapevine$/m);
    assert.match(unit, /^Restart=on-failure$/m);
    assert.match(unit, /^ExecReload=.*kill -HUP \$MAINPID$/m);
    assert.match(unit, /^KillSignal=SIGTERM$/m);
    const stopSec = Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]);
    assert.ok(stopSec > 15, 'longer than the daemon’s own 15 s shutdown bound, which covers the leave');
  });

  test('systemd-analyze verify accepts the unit', { skip: which('systemd-analyze') ? false : 'systemd-analyze is not installed' }, () => {
    const r = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /grapevine\.service:\d+:/, r.stderr);
  });

  test('npm pack, then a global install gives a working grapevine command', { timeout: 240_000 }, async (t) => {
    if (!which('npm')) return t.skip('npm is not installed');
    const dir = tempDir('grapevine-pack-');
    try {
      const pack = spawnSync('npm', ['pack', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
      assert.equal(pack.status, 0, pack.stderr);
      const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
      assert.ok(tgz, 'npm pack made a tarball');
      const prefix = join(dir, 'prefix');
      const inst = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(dir, tgz)], { encoding: 'utf8', timeout: 180_000 });
      if (inst.status !== 0 && /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|network/i.test(inst.stderr)) return t.skip(`npm install needs the registry and it is not reachable: ${inst.stderr.slice(-300)}`);
      assert.equal(inst.status, 0, inst.stderr);
      const bin = join(prefix, 'bin', 'grapevine');
      assert.ok(existsSync(bin), 'the grapevine command is installed');
      const v = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(v.status, 0, v.stderr);
      assert.match(v.stdout, /^grapevine \d+\.\d+\.\d+/);
      // The installed command runs a daemon (its native deps load).
      const http = await freePort();
      const p = spawn(bin, ['agent', '--node', 'packed', '--data-dir', join(dir, 'data'), '--http-addr', `127.0.0.1:${http}`, '--gossip-addr', `127.0.0.1:${await freePort()}`, '--preset', 'test', '--log-level', 'warn'], { stdio: 'ignore' });
      try {
        await waitFor(async () => (await api(`http://127.0.0.1:${http}`, 'GET', '/v1/status', undefined, 2000)).status === 200, 'the installed daemon answers', 20_000);
      } finally {
        p.kill('SIGTERM');
        await new Promise((r) => (p.exitCode !== null ? r(null) : p.once('exit', r)));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

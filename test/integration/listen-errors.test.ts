import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { MAIN_JS, freePort, tempDir } from './helpers/daemon.js';

/** runAgent runs `grapevine agent` to its exit (killed after 20 s) and returns the code and stderr. */
function runAgent(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [MAIN_JS, 'agent', '--preset', 'test', '--log-level', 'warn', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const t = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.once('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stderr });
    });
  });
}

describe('exit code 4: an address that cannot be bound or resolved', () => {
  const dir = tempDir();
  let blocker: Server | undefined;
  after(() => {
    blocker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function addrs(name: string): Promise<string[]> {
    return ['--node', name, '--data-dir', join(dir, name), '--http-addr', `127.0.0.1:${await freePort()}`, '--gossip-addr', `127.0.0.1:${await freePort()}`, '--dns-addr', `127.0.0.1:${await freePort()}`];
  }
  const noStack = (s: string) => assert.doesNotMatch(s, /\n\s+at /, `no stack trace: ${s}`);

  test('httpAddr in use (EADDRINUSE)', async () => {
    const port = await freePort();
    blocker = createServer();
    await new Promise<void>((r) => blocker!.listen(port, '127.0.0.1', () => r()));
    const r = await runAgent([...(await addrs('le-http')), '--http-addr', `127.0.0.1:${port}`]);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, new RegExp(`httpAddr \\(--http-addr\\) 127\\.0\\.0\\.1:${port}: EADDRINUSE`));
    noStack(r.stderr);
  });

  test('gossipAddr on a host name that does not resolve (ENOTFOUND)', async () => {
    const r = await runAgent([...(await addrs('le-gossip')), '--gossip-addr', 'no-such-host.invalid:7946', '--encrypt-key', Buffer.alloc(32, 7).toString('base64')]);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /gossipAddr \(--gossip-addr\) no-such-host\.invalid:7946: (ENOTFOUND|EAI_AGAIN)/);
    noStack(r.stderr);
  });

  test('dnsAddr on an address of no interface of this host (EADDRNOTAVAIL)', async () => {
    const r = await runAgent([...(await addrs('le-dns')), '--dns-addr', '192.0.2.1:8600']);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /dnsAddr \(--dns-addr\) 192\.0\.2\.1:8600: EADDRNOTAVAIL/);
    noStack(r.stderr);
  });

  test('httpAddr on a privileged port (EACCES), when not root', { skip: process.getuid?.() === 0 ? 'runs as root: binding port 81 is allowed' : false }, async () => {
    const r = await runAgent([...(await addrs('le-acces')), '--http-addr', '127.0.0.1:81']);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /httpAddr \(--http-addr\) 127\.0\.0\.1:81: EACCES/);
    noStack(r.stderr);
  });
});

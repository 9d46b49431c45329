/**
 * Gossip security with real daemons (issue 12): a daemon whose gossip address other
 * hosts can reach refuses to start without encryptKeys (exit 2, naming
 * `grapevine keygen`) unless `gossip.insecure` says otherwise (then it warns); on such
 * a cluster an unencrypted non-member that says hello with the cluster name is
 * refused and writes nothing; with mutual TLS, a daemon holding a valid certificate
 * for another node name is refused and never becomes a member.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { WireCodec } from '../../src/transport/codec.js';
import { makeHello } from '../../src/transport/handshake.js';
import { GOSSIP_PATH } from '../../src/transport/ws-transport.js';
import { api, freePort, MAIN_JS, startDaemon, stopAll, tempDir, waitFor, type Daemon } from './helpers/daemon.js';

const dir = tempDir('grapevine-sec-');
const ds: Daemon[] = [];
after(async () => {
  await stopAll(ds);
  rmSync(dir, { recursive: true, force: true });
});

function config(name: string, body: object): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(body));
  return file;
}

async function aliveNames(d: Daemon): Promise<string[]> {
  return ((await api(d, 'GET', '/v1/members')).body.members as { name: string; status: string }[]).filter((m) => m.status === 'alive').map((m) => m.name).sort();
}

/** anyInterface makes the daemon bind its gossip port on 0.0.0.0 (reachable from other hosts); tests dial it on 127.0.0.1. */
async function anyInterface(): Promise<{ port: number; args: string[] }> {
  const port = await freePort();
  return { port, args: ['--gossip-addr', `0.0.0.0:${port}`] };
}

test('a daemon with a reachable gossip address and no encryptKeys refuses to start (exit 2) and says how to make a key', async () => {
  const { port, args } = await anyInterface();
  const err = await startDaemon({ name: 'open1', ports: { gossip: port }, extraArgs: args }).then(
    () => assert.fail('the daemon started'),
    (e: Error & { exitCode?: number | null; output?: string }) => e,
  );
  assert.equal(err.exitCode, 2);
  assert.match(err.output ?? '', /encryptKeys/);
  assert.match(err.output ?? '', /grapevine keygen/);
});

test('gossip.insecure: true starts anyway, with a warning', async () => {
  const { port, args } = await anyInterface();
  const d = await startDaemon({ name: 'open2', configFile: config('open2', { gossip: { insecure: true } }), preset: 'test', ports: { gossip: port }, extraArgs: args });
  ds.push(d);
  await waitFor(() => /gossip\.insecure is set/.test(d.output()), 'the insecure warning', 5_000);
  await d.stop();
});

test('grapevine keygen prints a key the daemon takes', () => {
  const key = execFileSync(process.execPath, [MAIN_JS, 'keygen'], { encoding: 'utf8' }).trim();
  assert.match(key, /^[A-Za-z0-9+/]{43}=$/);
  assert.equal(Buffer.from(key, 'base64').length, 32);
});

test('an unencrypted non-member is refused on a non-loopback cluster and cannot write', async () => {
  const key = execFileSync(process.execPath, [MAIN_JS, 'keygen'], { encoding: 'utf8' }).trim();
  const { port, args } = await anyInterface();
  const d = await startDaemon({ name: 'sealed1', configFile: config('sealed1', { encryptKeys: [key] }), preset: 'test', ports: { gossip: port }, extraArgs: args });
  ds.push(d);
  const codec = new WireCodec(1024 * 1024);
  const ws = new WebSocket(`ws://127.0.0.1:${port}${GOSSIP_PATH}`);
  ws.on('error', () => undefined);
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  const answered: Buffer[] = [];
  ws.on('message', (m) => answered.push(m as Buffer));
  await new Promise((r) => ws.once('open', r));
  // The attack of issue 12: hello with the default cluster name, then a record and an eviction.
  ws.send(codec.encode(makeHello({ cluster: 'grapevine', node: 'intruder', addr: '127.0.0.1:1', boot: 'x' }, Date.now())));
  ws.send(codec.encode({ k: 'msg', m: { t: 'm.upd', u: [['sealed1', '127.0.0.1:1', 3, Number.MAX_SAFE_INTEGER, 'intruder']] } } as never));
  const t = setTimeout(() => ws.terminate(), 8_000);
  assert.equal(await closed, 4001);
  clearTimeout(t);
  assert.equal(answered.length, 0, 'no welcome: the non-member learns nothing');
  const metrics = (await api(d, 'GET', '/v1/metrics')).body as string;
  assert.match(metrics, /grapevine_gossip_handshake_refused_total\{reason="[a-z_]+"\} [1-9]/);
  assert.deepEqual(await aliveNames(d), ['sealed1']);
  const members = (await api(d, 'GET', '/v1/members')).body.members as { name: string; incarnation: number }[];
  assert.deepEqual(members.map((m) => m.name), ['sealed1'], 'the intruder is not a member');
  assert.ok(members[0]!.incarnation < 2 ** 48);
});

test('with mutual TLS, nodes with certificates join; an impostor with a valid certificate for another name is refused', async () => {
  const tlsDir = join(dir, 'tls');
  execFileSync('mkdir', ['-p', tlsDir]);
  const cli = (...a: string[]) => execFileSync(process.execPath, [MAIN_JS, 'tls', ...a], { cwd: tlsDir, encoding: 'utf8' });
  cli('ca', 'create');
  for (const n of ['t1', 't2', 't3']) cli('cert', 'create', '--node', n);
  const key = execFileSync(process.execPath, [MAIN_JS, 'keygen'], { encoding: 'utf8' }).trim();
  const tlsFor = (n: string) => ({ caFile: join(tlsDir, 'grapevine-ca.pem'), certFile: join(tlsDir, `${n}.pem`), keyFile: join(tlsDir, `${n}-key.pem`) });
  const t1 = await startDaemon({ name: 't1', configFile: config('t1', { encryptKeys: [key], tls: tlsFor('t1') }), preset: 'test' });
  ds.push(t1);
  const t2 = await startDaemon({ name: 't2', configFile: config('t2', { encryptKeys: [key], tls: tlsFor('t2') }), preset: 'test', join: [t1.gossipAddr] });
  ds.push(t2);
  await waitFor(async () => (await aliveNames(t1)).join() === 't1,t2' && (await aliveNames(t2)).join() === 't1,t2', 't1 and t2 to see each other', 15_000);
  // A daemon configured with t3's key and certificate cannot start under another name ...
  const wrong = await startDaemon({ name: 't4', configFile: config('t4', { encryptKeys: [key], tls: tlsFor('t3') }), preset: 'test' }).then(
    () => assert.fail('started with a certificate for another node'),
    (e: Error & { exitCode?: number | null; output?: string }) => e,
  );
  assert.equal(wrong.exitCode, 2);
  assert.match(wrong.output ?? '', /tls\.certFile/);
  // ... and one that skips that check (here a bare transport) is refused by its peers: it
  // holds the gossip key and t3's genuine certificate, and says it is the member t2.
  const { WsTransport } = await import('../../src/transport/ws-transport.js');
  const { readFileSync } = await import('node:fs');
  const f = tlsFor('t3');
  const impostor = new WsTransport({ cluster: 'grapevine', nodeName: 't2', gossipAddr: '127.0.0.1:0', maxFrameBytes: 1024 * 1024, encryptKeys: [key],
    clock: new (await import('../../src/runtime/clock.js')).RealClock(), random: { next: () => 0.5 },
    tls: { ca: readFileSync(f.caFile, 'utf8'), cert: readFileSync(f.certFile, 'utf8'), key: readFileSync(f.keyFile, 'utf8') } });
  await impostor.listen();
  try {
    await assert.rejects(impostor.connect(t1.gossipAddr), /4001/);
  } finally {
    await impostor.close();
  }
  const metrics = (await api(t1, 'GET', '/v1/metrics')).body as string;
  assert.match(metrics, /grapevine_gossip_handshake_refused_total\{reason="certificate"\} [1-9]/);
  assert.deepEqual(await aliveNames(t1), ['t1', 't2']);
});

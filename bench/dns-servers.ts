/**
 * The baselines and machine handling of the DNS benchmark (bench/dns.ts): NSD serving
 * the same records from a generated zone file, the Node UDP echo server that marks
 * Node's ceiling, tool installation, and pinning every server to one CPU at one priority.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../test/integration/helpers/daemon.js';

/** NS is the benchmark's DNS namespace; SERVICES its service count. */
export const NS = 'bench.internal';
export const SERVICES = 100;

/** instancesOf is the instance count of service s: 3 to 10. */
export function instancesOf(s: number): number {
  return 3 + (s % 8);
}

/** has reports whether a command is on the PATH. */
export function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** ensureTools installs dnsperf and nsd with apt-get when missing and running as root. */
export function ensureTools(log: (m: string) => void): void {
  const missing = ['dnsperf', 'nsd'].filter((c) => !has(c));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    log(`missing ${missing.join(', ')} and not root: not installing`);
    return;
  }
  log(`installing ${missing.join(', ')} with apt-get`);
  spawnSync('apt-get', ['update'], { stdio: 'ignore', timeout: 300_000 });
  spawnSync('apt-get', ['install', '-y', ...missing], { stdio: 'ignore', timeout: 600_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}


/** zoneFile writes the same records the daemon serves: A and SRV per service, A per instance. */
export function zoneFile(): string {
  const lines = [`$ORIGIN ${NS}.`, '$TTL 10', `@ IN SOA ns.${NS}. hostmaster.${NS}. 1 3600 600 86400 15`, `@ IN NS ns.${NS}.`, 'ns IN A 127.0.0.1'];
  for (let s = 0; s < SERVICES; s++) {
    for (let i = 0; i < instancesOf(s); i++) {
      const ip = `10.${s}.0.${i + 1}`;
      const port = 8000 + i;
      lines.push(`svc-${s} IN A ${ip}`);
      lines.push(`svc-${s} IN SRV 0 1 ${port} i-${i}.svc-${s}.${NS}.`);
      lines.push(`_svc-${s}._tcp IN SRV 0 1 ${port} i-${i}.svc-${s}.${NS}.`);
      lines.push(`i-${i}.svc-${s} IN A ${ip}`);
    }
  }
  return lines.join('\n') + '\n';
}


/**
 * startNsd starts one NSD server process (server-count 1) on a free loopback port,
 * with its own config and files in `dir`, and resolves once it answers; or with the
 * reason it could not.
 */
export async function startNsd(dir: string, log: (m: string) => void): Promise<{ port: number; proc: ChildProcess } | string> {
  if (!has('nsd')) return 'nsd is not installed';
  const port = await freePort();
  writeFileSync(path.join(dir, `${NS}.zone`), zoneFile());
  const conf = [
    'server:',
    `  ip-address: 127.0.0.1@${port}`,
    '  server-count: 1',
    '  do-ip6: no',
    '  reuseport: no',
    '  username: ""',
    '  chroot: ""',
    `  zonesdir: "${dir}"`,
    '  database: ""',
    `  zonelistfile: "${dir}/zone.list"`,
    `  xfrdfile: "${dir}/xfrd.state"`,
    `  xfrdir: "${dir}"`,
    `  pidfile: "${dir}/nsd.pid"`,
    `  logfile: "${dir}/nsd.log"`,
    '  verbosity: 0',
    // Response rate limiting (on in Debian's build) would drop and "slip" answers to a single-source benchmark.
    '  rrl-ratelimit: 0',
    '  rrl-whitelist-ratelimit: 0',
    '  hide-version: yes',
    'remote-control:',
    '  control-enable: no',
    'zone:',
    `  name: "${NS}"`,
    `  zonefile: "${NS}.zone"`,
  ].join('\n');
  writeFileSync(path.join(dir, 'nsd.conf'), conf + '\n');
  const check = spawnSync('nsd-checkconf', [path.join(dir, 'nsd.conf')], { encoding: 'utf8' });
  if (check.status !== 0 && has('nsd-checkconf')) return `nsd-checkconf failed: ${check.stderr || check.stdout}`;
  const proc = spawn('nsd', ['-d', '-c', path.join(dir, 'nsd.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (c) => (out += c));
  proc.stderr!.on('data', (c) => (out += c));
  // Ready when it answers the apex SOA.
  for (let i = 0; i < 100; i++) {
    const r = spawnSync('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-l', '1', '-n', '1', '-t', '1'], { input: `${NS} SOA\n`, encoding: 'utf8' });
    if (/Queries completed:\s+1\b/.test(r.stdout)) return { port, proc };
    if (proc.exitCode !== null) break;
    await new Promise((r2) => setTimeout(r2, 100));
  }
  proc.kill('SIGKILL');
  log(`nsd output: ${out.slice(-1000)}`);
  return `nsd did not start: ${out.slice(-300)}`;
}

/**
 * ECHO_SERVER is the Node ceiling: a UDP server that does no DNS work at all, only
 * flips QR and sends each query back. Grapevine cannot beat it, since it pays the
 * same per-datagram cost in Node (one recvmsg and one sendmsg per query; NSD batches
 * with recvmmsg/sendmmsg), so it shows how much of the gap is Node and how much is ours.
 */
const ECHO_SERVER = `
const dgram = require('node:dgram');
const s = dgram.createSocket({ type: 'udp4', lookup: (a, f, cb) => cb(null, a, f) });
s.on('message', (m, r) => { m[2] |= 0x80; s.send(m, r.port, r.address); });
s.bind(Number(process.argv[1]), '127.0.0.1');
`;

/** startEcho starts the Node UDP echo server (ECHO_SERVER) on a free port, or says why not. */
export async function startEcho(): Promise<{ port: number; proc: ChildProcess } | string> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['-e', ECHO_SERVER, String(port)], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const r = spawnSync('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-l', '1', '-n', '1', '-t', '1'], { input: `${NS} SOA\n`, encoding: 'utf8' });
    if (/Queries completed:\s+1\b/.test(r.stdout)) return { port, proc };
    if (proc.exitCode !== null) break;
    await new Promise((r2) => setTimeout(r2, 100));
  }
  proc.kill('SIGKILL');
  return 'the echo server did not start';
}

/** BOOST_NICE raises the servers and dnsperf above other work on a shared machine (root only), the same for all. */
export const BOOST_NICE = -10;

/** descendants lists a process and all its descendants (NSD forks its server processes after start). */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      parent.set(Number(e), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* exited meanwhile */
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [child, ppid] of parent) if (ppid === out[i]) out.push(child);
  return out;
}

/** pin puts a process tree, every thread of it, on one CPU at the boosted priority. */
export function pin(cpu: number, pid: number | undefined): void {
  if (!pid) return;
  for (const p of descendants(pid)) pinOne(cpu, p);
}

function pinOne(cpu: number, pid: number): void {
  if (os.cpus().length >= 2 && has('taskset')) spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
  if (process.getuid?.() === 0) {
    // Nice values are per thread on Linux: renice every thread of the process.
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      /* gone already */
    }
    for (const tid of tids) spawnSync('renice', ['-n', String(BOOST_NICE), '-p', tid], { stdio: 'ignore' });
  }
}


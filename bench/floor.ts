/**
 * Floors under issue 11's per-daemon goals, measured without Grapevine's code:
 *  - a bare WebSocket probe: one process dials itself over 127.0.0.1 (ws + msgpackr, as
 *    the gossip transport) and sends a small "ping" that the other end answers with an
 *    "ack", at 1, 2 and 5 probes a second: the CPU that process uses is what one
 *    daemon's probing costs at least (it sends and answers one probe per interval);
 *  - one LevelDB write through `level` (classic-level), unsynced, as a single put and as
 *    a batch of one record plus one meta key: what a merged remote record costs at least.
 * Each figure is the median of --runs runs (default 3), with min and max.
 * Usage: node dist/bench/floor.js [--runs 3] [--seconds 20]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Level } from 'level';
import { pack, unpack } from 'msgpackr';
import WebSocket, { WebSocketServer } from 'ws';
import { argValue, figureOf, type Figure, writeResult } from './lib/common.js';
import { conditions } from './lib/conditions.js';

const runs = Number(argValue('runs') ?? 3);
const seconds = Number(argValue('seconds') ?? 20);

/** probeCpuPct runs ping/ack at `rate` probes a second for `secs` and returns this process's CPU in % of a core. */
async function probeCpuPct(rate: number, secs: number): Promise<number> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  wss.on('connection', (s) => s.on('message', (d: Buffer) => s.send(pack({ t: 'm.ack', s: (unpack(d) as { s: number }).s }))));
  const port = (wss.address() as { port: number }).port;
  const c = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
  await new Promise<void>((r) => c.once('open', () => r()));
  c.on('message', (d: Buffer) => unpack(d));
  let seq = 0;
  const timer = setInterval(() => c.send(pack({ t: 'm.ping', s: seq++, tg: 'node-b' })), 1000 / rate);
  await new Promise((r) => setTimeout(r, 2000));
  const u0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, secs * 1000));
  const u = process.cpuUsage(u0);
  const wall = (performance.now() - t0) / 1000;
  clearInterval(timer);
  c.close();
  await new Promise<void>((r) => wss.close(() => r()));
  return ((u.user + u.system) / 1e6 / wall) * 100;
}

/** levelCpuUs returns the CPU (all threads of this process) per unsynced write, in µs. */
async function levelCpuUs(mode: 'put' | 'batch', n: number): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'gv-floor-'));
  const db = new Level<string, Uint8Array>(path.join(dir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
  const value = pack({ key: 'ns/svc/i', node: 'n1', seq: 1, hlc: 1, value: { attributes: { AWS_INSTANCE_IPV4: '10.0.0.1' } } });
  const u0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    if (mode === 'put') await db.put(`r|k${i}`, value, { sync: false });
    else await db.batch([{ type: 'put', key: `r|k${i}`, value }, { type: 'put', key: 'm|gossip', value }], { sync: false });
  }
  const u = process.cpuUsage(u0);
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  return (u.user + u.system) / n;
}

async function main(): Promise<void> {
  const cond = await conditions();
  const figures: Figure[] = [];
  for (const rate of [1, 2, 5]) {
    const vals: number[] = [];
    for (let r = 0; r < runs; r++) vals.push(await probeCpuPct(rate, seconds));
    figures.push(figureOf(`floor.wsProbe.${rate}`, `Bare WebSocket probe (ping + ack, both ends in one process), ${rate}/s`, '% of a core', vals));
  }
  for (const mode of ['put', 'batch'] as const) {
    const vals: number[] = [];
    for (let r = 0; r < runs; r++) vals.push(await levelCpuUs(mode, 3000));
    figures.push(figureOf(`floor.level.${mode}`, `LevelDB unsynced ${mode === 'put' ? 'put of one record' : 'batch of one record and one meta key'} (level/classic-level)`, 'µs CPU', vals));
  }
  for (const f of figures) console.log(`${f.label}: ${f.median} ${f.unit} [${f.min}..${f.max}] runs ${f.runs}`);
  writeResult('floor', { command: `node dist/bench/floor.js --runs ${runs} --seconds ${seconds}`, conditions: cond, figures });
}

await main();

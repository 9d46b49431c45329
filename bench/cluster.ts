/**
 * Cluster benchmark with real processes on 127.0.0.1: Grapevine against HashiCorp
 * Serf, side by side, for the same N.
 *  - convergence: Grapevine registration (acknowledged on one node) until every node's
 *    discovery shows it, watched with blocking queries on all nodes; Serf user event
 *    (accepted by one agent over RPC) until every agent has streamed it. p50/p99 of
 *    `--regs` samples per N.
 *  - failure detection: kill -9 of one node until every other node reports it
 *    (Grapevine: its instance UNHEALTHY/NODE_FAILED; Serf: member-failed).
 * Usage: node dist/bench/cluster.js [--sizes 3,10,25] [--fd-sizes 10,25] [--regs 50]
 *        [--preset lan] [--serf-profile lan] [--no-serf] [--gap-ms 200] [--gossip '{"retransmitMultiplier":2}']
 * Prints a table and writes bench/results/cluster-<date>.json. Never gates CI.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { summarize, type Summary } from './lib/stats.js';
import { convergence, failureDetection, falsePositives, startGrapevine, stopGrapevine, type FalsePositives } from './cluster/grapevine.js';
import { stopAll } from './cluster/procs.js';
import { serfAvailable, serfEventTimes, serfFailureDetection, startSerf, stopSerf } from './cluster/serf.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}
const sizes = arg('sizes', '3,10,25').split(',').map(Number);
const fdSizes = arg('fd-sizes', '10,25').split(',').map(Number);
const regs = Number(arg('regs', '50'));
/** --gap-ms separates registrations (and Serf events), so each is timed on a settled cluster, not under a backlog. */
const gapMs = Number(arg('gap-ms', '200'));
const preset = arg('preset', 'lan');
const serfProfile = arg('serf-profile', 'lan');
const wantSerf = !process.argv.includes('--no-serf');
/** --gossip '{"retransmitMultiplier":2}' overrides preset timings through a config file, for experiments. */
const gossipOverrides = arg('gossip', '');
let configFile: string | undefined;
if (gossipOverrides) {
  configFile = join(mkdtempSync(join(tmpdir(), 'gv-bench-cfg-')), 'config.json');
  writeFileSync(configFile, JSON.stringify({ gossip: JSON.parse(gossipOverrides) }));
}

/** ensureSerf finds serf, installing the Debian package once when running as root; it returns the version or why it is skipped. */
function ensureSerf(): { version?: string; skipped?: string } {
  if (!wantSerf) return { skipped: '--no-serf given' };
  let v = serfAvailable();
  if (v) return { version: v };
  if (process.getuid?.() !== 0) return { skipped: 'serf is not on PATH and we are not root to install it' };
  spawnSync('apt-get', ['update'], { stdio: 'ignore' });
  const r = spawnSync('apt-get', ['install', '-y', 'serf'], { stdio: 'ignore' });
  v = serfAvailable();
  return v ? { version: v } : { skipped: `apt-get install -y serf failed (exit ${r.status})` };
}

interface Row {
  n: number;
  /** loadAvg1m is the 1-minute load average before each side ran: the machine is shared, so figures are only as quiet as it was. */
  loadAvg1m: { grapevine?: number; serf?: number };
  grapevine?: { fromAck: Summary; fromSend: Summary; falsePositives: FalsePositives; failureDetectionMs?: number };
  serf?: { event: Summary; lostEvents: number; failureDetectionMs?: number };
  errors: string[];
}

const fmt = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(1));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b <= 0 ? '-' : `${(a / b).toFixed(1)}x`);

async function main(): Promise<void> {
  const serf = ensureSerf();
  const rows: Row[] = [];
  const all = [...new Set([...sizes, ...fdSizes])].sort((a, b) => a - b);
  for (const n of all) {
    const row: Row = { n, loadAvg1m: { grapevine: loadavg()[0]! }, errors: [] };
    rows.push(row);
    process.stderr.write(`N=${n}: grapevine...\n`);
    const g = await startGrapevine(n, preset, configFile).catch((e: Error) => (row.errors.push(`grapevine start: ${e.message.slice(0, 300)}`), undefined));
    if (g) {
      try {
        if (sizes.includes(n)) {
          // Booting N processes on 2 cores stalls the ones already up, which SWIM rightly
          // suspects; count only what happens under the registration load itself.
          await new Promise((r) => setTimeout(r, 3_000));
          const before = await falsePositives(g);
          const s = await convergence(g, regs, gapMs);
          const after = await falsePositives(g);
          const fp = { suspicionsRaised: after.suspicionsRaised - before.suspicionsRaised, declaredDead: after.declaredDead - before.declaredDead, notAliveNow: after.notAliveNow };
          row.grapevine = { fromAck: summarize(s.map((x) => x.fromAckMs)), fromSend: summarize(s.map((x) => x.fromSendMs)), falsePositives: fp };
        }
        if (fdSizes.includes(n)) {
          const fd = await failureDetection(g);
          row.grapevine ??= { fromAck: summarize([]), fromSend: summarize([]), falsePositives: await falsePositives(g) };
          row.grapevine.failureDetectionMs = fd;
        }
      } catch (e) {
        row.errors.push(`grapevine: ${(e as Error).message.slice(0, 300)}`);
      } finally {
        await stopGrapevine(g);
      }
    }
    if (serf.version) {
      process.stderr.write(`N=${n}: serf...\n`);
      row.loadAvg1m.serf = loadavg()[0]!;
      const c = await startSerf(n, serfProfile).catch((e: Error) => (row.errors.push(`serf start: ${e.message}`), undefined));
      if (c) {
        try {
          if (sizes.includes(n)) {
            const ev = await serfEventTimes(c, regs, gapMs);
            row.serf = { event: summarize(ev.times), lostEvents: ev.lost };
          }
          if (fdSizes.includes(n)) {
            row.serf ??= { event: summarize([]), lostEvents: 0 };
            row.serf.failureDetectionMs = await serfFailureDetection(c, n - 1);
          }
        } catch (e) {
          row.errors.push(`serf: ${(e as Error).message}`);
        } finally {
          await stopSerf(c);
        }
      }
    }
    await stopAll();
  }

  const lines: string[] = [];
  lines.push(`Grapevine (preset ${preset}${gossipOverrides ? ` + ${gossipOverrides}` : ''}) vs Serf ${serf.version ?? `(skipped: ${serf.skipped})`} (profile ${serfProfile}), ${regs} samples per N, ${gapMs} ms apart, times in ms`);
  lines.push('   N | gv conv p50 | gv conv p99 | gv p50 from send | serf event p50 | serf event p99 | p50 ratio | p99 ratio | gv detect | serf detect | detect ratio');
  for (const r of rows) {
    const g = r.grapevine, s = r.serf;
    lines.push(
      [
        String(r.n).padStart(4),
        fmt(g?.fromAck.p50).padStart(11),
        fmt(g?.fromAck.p99).padStart(11),
        fmt(g?.fromSend.p50).padStart(16),
        fmt(s?.event.p50).padStart(14),
        fmt(s?.event.p99).padStart(14),
        ratio(s?.event.p50, g?.fromAck.p50).padStart(9),
        ratio(s?.event.p99, g?.fromAck.p99).padStart(9),
        fmt(g?.failureDetectionMs).padStart(9),
        fmt(s?.failureDetectionMs).padStart(11),
        ratio(s?.failureDetectionMs, g?.failureDetectionMs).padStart(12),
      ].join(' | '),
    );
    if (s && s.lostEvents > 0) lines.push(`      serf: ${s.lostEvents} of ${regs} user events never reached every agent (left out of its percentiles)`);
    lines.push(`      load average before: grapevine ${fmt(r.loadAvg1m.grapevine)}, serf ${fmt(r.loadAvg1m.serf)} (2 cores)`);
    for (const e of r.errors) lines.push(`      error: ${e}`);
    if (g) lines.push(`      grapevine during the registrations, all nodes: ${g.falsePositives.suspicionsRaised} suspicions raised, ${g.falsePositives.declaredDead} declared dead, ${g.falsePositives.notAliveNow} not alive at the end`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  const date = new Date().toISOString().replace(/[:.]/g, '-');
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/cluster-${date}.json`;
  writeFileSync(
    file,
    JSON.stringify({ date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version }, preset, gossipOverrides: gossipOverrides || null, gapMs, serfProfile, serf, regs, rows }, null, 2) + '\n',
  );
  process.stdout.write(`wrote ${file}\n`);
}

main().then(
  () => process.exit(0),
  async (e) => {
    process.stderr.write(`bench failed: ${(e as Error).stack}\n`);
    await stopAll();
    process.exit(1);
  },
);

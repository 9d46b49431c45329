/**
 * Profiles one daemon of a small cluster (issue 11: "profile a daemon, not a bench"):
 * N daemons (preset --preset), one of them (not a writer) started under --cpu-prof;
 * an idle window, then --rate registrations/s on another node for the same time.
 * Prints the heaviest self-time functions of each phase (separate profiles: the
 * profiled daemon is restarted between phases, with the cluster kept) and the CPU the
 * profiled process used per second.
 * Usage: node dist/bench/profile-daemon.js [--n 10] [--seconds 15] [--rate 50] [--preset lan] [--gossip JSON]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { argValue, sleep } from './lib/common.js';
import { startProfiled } from './lib/profile.js';
import { api, freePort, startDaemon, waitFor, type Daemon } from '../test/integration/helpers/daemon.js';
import { cpuSecondsOf, load, LOAD_SVC, NS } from './cluster/grapevine.js';

const n = Number(argValue('n') ?? 10);
const seconds = Number(argValue('seconds') ?? 15);
const rate = Number(argValue('rate') ?? 50);
const preset = argValue('preset') ?? 'lan';
/** --writer: the profiled daemon takes the registrations itself (else p1 does and the profiled one receives). */
const asWriter = process.argv.includes('--writer');
const gossip = argValue('gossip');
let configFile: string | undefined;
if (gossip) {
  configFile = join(mkdtempSync(join(tmpdir(), 'gv-prof-cfg-')), 'config.json');
  writeFileSync(configFile, JSON.stringify({ gossip: JSON.parse(gossip) }));
}
const extra = configFile ? { configFile } : {};

async function main(): Promise<void> {
  const ds: Daemon[] = [];
  try {
    ds.push(await startDaemon({ name: 'p1', preset, logLevel: 'error', ...extra }));
    for (let i = 2; i < n; i++) ds.push(await startDaemon({ name: `p${i}`, preset, logLevel: 'error', join: [ds[0]!.gossipAddr], ...extra }));
    await api(ds[0]!, 'PUT', `/v1/namespaces/${NS}`, { type: 'HTTP' });
    await api(ds[0]!, 'PUT', `/v1/namespaces/${NS}/services/${LOAD_SVC}`, {});
    for (const phase of ['idle', 'load']) {
      const dir = mkdtempSync(join(tmpdir(), `gv-prof-${phase}-`));
      const [h, g, dn] = [await freePort(), await freePort(), await freePort()];
      const args = ['--node', `prof-${phase}`, '--data-dir', join(dir, 'data'), '--preset', preset, '--log-level', 'error', '--http-addr', `127.0.0.1:${h}`, '--gossip-addr', `127.0.0.1:${g}`, '--dns-addr', `127.0.0.1:${dn}`, '--join', ds[0]!.gossipAddr];
      if (configFile) args.push('--config', configFile);
      const p = startProfiled(args);
      const url = `http://127.0.0.1:${h}`;
      await waitFor(async () => ((await api(url, 'GET', '/v1/members').catch(() => ({ body: { members: [] } }))).body.members as { status: string }[]).filter((m) => m.status === 'alive').length === n, 'full view', 60_000, 200);
      await sleep(3000);
      const c0 = cpuSecondsOf([p.proc.pid!]);
      const t0 = performance.now();
      if (phase === 'idle') await sleep(seconds * 1000);
      else await load({ daemons: ds, bootMs: 0, fullViewMs: 0 }, rate, seconds, `prof${Date.now()}`, [asWriter ? ({ ...ds[0]!, httpUrl: url } as Daemon) : ds[0]!]);
      const s = (performance.now() - t0) / 1000;
      const cpu = cpuSecondsOf([p.proc.pid!]) - c0;
      const top = await p.stop();
      rmSync(dir, { recursive: true, force: true });
      console.log(`\n== ${phase}: profiled daemon used ${((cpu / s) * 100).toFixed(2)}% of a core (N=${n}, preset ${preset}${phase === 'load' ? `, ${rate} registrations/s on p1` : ''})`);
      for (const t of top) console.log(`${String(t.selfPct).padStart(6)}%  ${t.fn}`);
    }
  } finally {
    for (const d of ds) {
      await d.kill9();
      d.cleanup();
    }
  }
}

main().then(() => process.exit(0), (e) => (console.error(e), process.exit(1)));

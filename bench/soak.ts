/**
 * Soak benchmark (issue 6, item 2): false positives of failure detection while the
 * machine's cores are kept busy. A 10-node cluster (preset lan), one registered
 * instance per node, and one busy-loop child process per core. Every 250 ms the bench
 * reads GET /v1/members on every node; every second it reads discovery (health=ALL) on
 * every node. While every daemon process is alive, a member seen suspect is counted
 * (not an error: Lifeguard allows suspicion), a member seen dead is a false positive,
 * and so is an instance seen UNHEALTHY with reason NODE_FAILED.
 * Usage: node dist/bench/soak.js [--quick] [--out FILE] [--seconds S] [--nodes N]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { QUICK, argValue, figureOf, logger, sleep, writeResult, type Figure } from './lib/common.js';
import { api, createService, must, startCluster, stopAll, type Daemon } from './lib/daemon.js';

const log = logger('soak');
const NODES = Number(argValue('nodes') ?? (QUICK ? 5 : 10));
const SECONDS = Number(argValue('seconds') ?? (QUICK ? 30 : 300));
const NS = 'soak.internal';
const SVC = 'svc';

function burners(n: number): ChildProcess[] {
  const out: ChildProcess[] = [];
  for (let i = 0; i < n; i++) {
    const c = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    out.push(c);
  }
  process.on('exit', () => {
    for (const c of out) if (c.exitCode === null) c.kill('SIGKILL');
  });
  return out;
}

async function main(): Promise<void> {
  log(`starting a ${NODES}-node cluster (preset lan)`);
  const ds = await startCluster(NODES, 'lan', 's');
  const busy: ChildProcess[] = [];
  const suspectEvents = new Map<string, number>(); // "observer>member" -> count of alive->suspect transitions
  const deadEvents: { atS: number; observer: string; member: string; status: string }[] = [];
  const nodeFailed: { atS: number; observer: string; instance: string }[] = [];
  const last = new Map<string, string>();
  let memberPolls = 0;
  let pollErrors = 0;
  let crashed: string[] = [];
  const alive = (d: Daemon) => d.proc.exitCode === null && d.proc.signalCode === null;
  try {
    await createService(ds[0], NS, SVC);
    await Promise.all(ds.map((d, i) => must(d, 'PUT', `/v1/namespaces/${NS}/services/${SVC}/instances/${d.name}`, { attributes: { ipv4: `10.0.0.${i + 1}`, port: '80' } })));
    busy.push(...burners(os.cpus().length));
    log(`${busy.length} busy-loop processes started; soaking for ${SECONDS} s`);
    const t0 = performance.now();
    let nextDiscover = 0;
    let nextLog = 30;
    while ((performance.now() - t0) / 1000 < SECONDS) {
      const tick = performance.now();
      const atS = Math.round((tick - t0) / 100) / 10;
      crashed = ds.filter((d) => !alive(d)).map((d) => d.name);
      if (crashed.length) throw new Error(`daemon(s) exited during the soak: ${crashed.join(', ')}`);
      await Promise.all(
        ds.map(async (d) => {
          const r = await api(d, 'GET', '/v1/members', undefined, 5000).catch(() => null);
          if (r?.status !== 200) {
            pollErrors++;
            return;
          }
          memberPolls++;
          for (const m of r.body.members as { name: string; status: string }[]) {
            const key = `${d.name}>${m.name}`;
            const before = last.get(key) ?? 'alive';
            if (m.status !== before) {
              if (m.status === 'suspect') suspectEvents.set(key, (suspectEvents.get(key) ?? 0) + 1);
              if (m.status === 'dead' || m.status === 'left') deadEvents.push({ atS, observer: d.name, member: m.name, status: m.status });
              last.set(key, m.status);
            }
          }
        }),
      );
      if (atS >= nextDiscover) {
        nextDiscover = atS + 1;
        await Promise.all(
          ds.map(async (d) => {
            const r = await api(d, 'GET', `/v1/discover/${NS}/${SVC}?health=ALL`, undefined, 5000).catch(() => null);
            if (r?.status !== 200) return;
            for (const i of r.body.instances as { id: string; health: string; healthReason?: string }[]) {
              if (i.health === 'UNHEALTHY' && i.healthReason === 'NODE_FAILED') nodeFailed.push({ atS, observer: d.name, instance: i.id });
            }
          }),
        );
      }
      if (atS >= nextLog) {
        nextLog += 30;
        log(`${atS} s: ${deadEvents.length} dead/left, ${[...suspectEvents.values()].reduce((a, b) => a + b, 0)} suspect transitions, ${nodeFailed.length} NODE_FAILED sightings`);
      }
      await sleep(Math.max(0, 250 - (performance.now() - tick)));
    }
  } finally {
    for (const c of busy) if (c.exitCode === null) c.kill('SIGKILL');
    await stopAll(ds);
  }
  const suspects = [...suspectEvents.values()].reduce((a, b) => a + b, 0);
  const fp = deadEvents.length + nodeFailed.length;
  const how = `${NODES} daemons (preset lan), ${os.cpus().length} busy-loop processes, GET /v1/members on every node every 250 ms and discovery every 1 s for ${SECONDS} s`;
  const figures: Figure[] = [
    figureOf('soak.falsePositives', `False positives in a ${SECONDS} s soak with every core busy (members declared dead/left + NODE_FAILED sightings)`, 'count', [fp], { n: NODES, command: how, target: '0', met: fp === 0, better: 'lower' }),
    figureOf('soak.suspicions', 'Suspicions raised and refuted during the soak (alive to suspect transitions seen)', 'count', [suspects], { n: NODES, command: how, better: 'lower' }),
  ];
  log(`false positives: ${fp} (${deadEvents.length} dead/left, ${nodeFailed.length} NODE_FAILED sightings); suspect transitions: ${suspects}; member polls ${memberPolls}, poll errors ${pollErrors}`);
  writeResult('soak', { figures, nodes: NODES, seconds: SECONDS, busyProcesses: os.cpus().length, memberPolls, pollErrors, deadEvents: deadEvents.slice(0, 100), nodeFailed: nodeFailed.slice(0, 100), suspectEvents: Object.fromEntries(suspectEvents) });
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

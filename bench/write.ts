/**
 * Cluster write-path benchmark (issue 6, item 5, second half): the registration rate a
 * 10-node cluster absorbs while staying converged. For each offered rate (ramping up),
 * an open-loop generator sends PUT .../instances/{id} spread round-robin over all nodes
 * for a fixed time; when the last request is answered, every node's GET /v1/state/digest
 * is polled. A rate is absorbed when at least 95% of the offered registrations were
 * acknowledged and all digests were equal within 1 s of the load stopping.
 * Usage: node dist/bench/write.js [--quick] [--out FILE] [--nodes N]
 */
import { QUICK, argValue, figureOf, logger, round, sleep, writeResult, type Figure } from './lib/common.js';
import { allDigestsEqual, api, createService, instanceBody, startCluster, stopAll, type Daemon } from './lib/daemon.js';

const log = logger('write');
const NODES = Number(argValue('nodes') ?? (QUICK ? 3 : 10));
const LOAD_S = QUICK ? 2 : 10;
const RATES = QUICK ? [200] : [100, 200, 400, 600, 800, 1200, 1600, 3200];
const CONVERGE_LIMIT_MS = 1000;
const MAX_INFLIGHT = 1024;
const NS = 'write.internal';
const SVC = 'load';

interface Step {
  offeredPerSec: number;
  sent: number;
  acked: number;
  failed: number;
  droppedAtClient: number;
  achievedPerSec: number;
  errors: string[];
  convergedAfterMs: number | null;
  absorbed: boolean;
}

/** offer sends `rate` registrations per second for `seconds`, open loop, in 10 ms ticks. */
async function offer(ds: Daemon[], rate: number, seconds: number): Promise<Omit<Step, 'convergedAfterMs' | 'absorbed'>> {
  let sent = 0;
  let acked = 0;
  let failed = 0;
  let dropped = 0;
  let inflight = 0;
  const errors: string[] = [];
  const pending = new Set<Promise<void>>();
  const t0 = performance.now();
  const total = Math.round(rate * seconds);
  while (sent + dropped < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
    while (sent + dropped < due) {
      if (inflight >= MAX_INFLIGHT) {
        dropped++;
        continue;
      }
      const i = sent++;
      const d = ds[i % ds.length];
      inflight++;
      const p = api(d, 'PUT', `/v1/namespaces/${NS}/services/${SVC}/instances/r${rate}-${i}`, instanceBody(i), 30_000)
        .then((r) => {
          if (r.status >= 200 && r.status < 300) acked++;
          else {
            failed++;
            if (errors.length < 3) errors.push(`${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
          }
        })
        .catch((e: Error) => {
          failed++;
          if (errors.length < 3) errors.push(String(e.message));
        })
        .finally(() => {
          inflight--;
          pending.delete(p);
        });
      pending.add(p);
    }
    await sleep(10);
  }
  await Promise.all(pending);
  const elapsedS = (performance.now() - t0) / 1000;
  return { offeredPerSec: rate, sent, acked, failed, droppedAtClient: dropped, achievedPerSec: round(acked / elapsedS), errors };
}

async function main(): Promise<void> {
  log(`starting a ${NODES}-node cluster (preset local)`);
  const ds = await startCluster(NODES, 'local', 'w');
  const steps: Step[] = [];
  try {
    await createService(ds[0], NS, SVC);
    for (let t = 0; t < 200 && !(await allDigestsEqual(ds)); t++) await sleep(50);
    for (const rate of RATES) {
      const s = await offer(ds, rate, LOAD_S);
      const stop = performance.now();
      let convergedAfterMs: number | null = null;
      while (performance.now() - stop < 10_000) {
        if (await allDigestsEqual(ds)) {
          convergedAfterMs = round(performance.now() - stop);
          break;
        }
        await sleep(25);
      }
      const absorbed = s.acked >= 0.95 * rate * LOAD_S && convergedAfterMs !== null && convergedAfterMs <= CONVERGE_LIMIT_MS;
      steps.push({ ...s, convergedAfterMs, absorbed });
      log(`offered ${rate}/s for ${LOAD_S} s: acked ${s.acked}, failed ${s.failed}${s.errors.length ? ` (${s.errors.join('; ')})` : ''}, dropped ${s.droppedAtClient}, achieved ${s.achievedPerSec}/s; digests equal after ${convergedAfterMs ?? '>10000'} ms -> ${absorbed ? 'absorbed' : 'NOT absorbed'}`);
      if (!absorbed && convergedAfterMs === null) break; // the cluster is behind: higher rates tell nothing more
      if (!absorbed && steps.filter((x) => !x.absorbed).length >= 2) break;
    }
  } finally {
    await stopAll(ds);
  }
  const best = steps.filter((s) => s.absorbed).reduce((m, s) => Math.max(m, s.achievedPerSec), 0);
  const figures: Figure[] = [
    figureOf('write.cluster.absorbed', `Registrations/s a ${NODES}-node cluster absorbs and stays converged`, 'reg/s', [best], {
      n: NODES,
      command: `open-loop PUT .../instances/{id} round-robin over ${NODES} nodes for ${LOAD_S} s at rates ${RATES.join(', ')}/s; absorbed = >= 95% acked and all digests equal within ${CONVERGE_LIMIT_MS} ms after the load stops`,
      better: 'higher',
      note: 'highest absorbed step of one ramp (one run per rate)',
    }),
  ];
  const lastOk = steps.filter((s) => s.absorbed).at(-1);
  if (lastOk?.convergedAfterMs !== null && lastOk) {
    figures.push(figureOf('write.cluster.convergeAfterLoad', `Digests equal on all ${NODES} nodes after the load stops (at ${lastOk.offeredPerSec}/s)`, 'ms', [lastOk.convergedAfterMs!], { n: NODES, better: 'lower', target: '< 1000 ms', met: lastOk.convergedAfterMs! <= 1000 }));
  }
  writeResult('write', { figures, nodes: NODES, loadSeconds: LOAD_S, steps });
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

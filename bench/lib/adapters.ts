/**
 * Adapters from each bench script's own JSON shape to the report's Figure rows. Scripts
 * written on bench/lib/common.ts already carry `figures`; cluster, dns, sim and health
 * have their own shapes, read here defensively (a field that is missing yields no row,
 * never a made-up one).
 */
import { round, type Figure } from './common.js';

type Json = any;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** clusterFigures turns bench/cluster rows into convergence and failure-detection figures with Serf ratios. */
export function clusterFigures(r: Json): Figure[] {
  // Since issue 11, bench/cluster.ts writes its figures (medians over runs, from send) itself.
  if (Array.isArray(r?.figures)) return r.figures as Figure[];
  const out: Figure[] = [];
  const regs = r?.regs ?? '?';
  for (const row of (r?.rows ?? []) as Json[]) {
    const g = row.grapevine;
    const s = row.serf;
    const ga = g?.fromAck;
    if (ga && ga.n > 0) {
      const se = s?.event;
      const speed = se && ga.p50 > 0 ? round(se.p50 / ga.p50) : undefined;
      out.push({
        id: `cluster.convergence.${row.n}`,
        label: `Convergence, N = ${row.n}: acknowledged registration until every node's blocking discovery shows it (p50; p99 ${round(ga.p99)} ms)`,
        unit: 'ms',
        value: round(ga.p50),
        runs: 1,
        min: round(ga.min),
        median: round(ga.p50),
        max: round(ga.max),
        n: `${row.n} daemons, ${ga.n} changes`,
        command: `node dist/bench/cluster.js --regs ${regs} (preset ${r.preset ?? 'lan'}); min/median/max over the ${ga.n} changes`,
        better: 'lower',
        ...(se && se.n > 0 ? { baseline: { name: `Serf ${r?.serf?.version ?? ''} user event (p50; p99 ${round(se.p99)} ms)`.trim(), value: round(se.p50), min: round(se.min), max: round(se.max), runs: 1 } } : {}),
        ...(speed !== undefined ? { ratio: speed, ratioNote: 'x faster than Serf (p50)', target: '>= 10x faster than Serf', met: speed >= 10 } : {}),
        ...(ga.min < 0 ? { note: 'a negative time: every node showed the change before the writer\'s HTTP acknowledgement arrived (replication does not wait for the owner\'s fsync)' } : {}),
      });
    }
    const gf = num(g?.failureDetectionMs);
    if (gf !== undefined) {
      const sf = num(s?.failureDetectionMs);
      out.push({
        id: `cluster.failure.${row.n}`,
        label: `Failure detection, N = ${row.n}: kill -9 until every other node reports its instances UNHEALTHY`,
        unit: 'ms',
        value: round(gf),
        runs: 1,
        min: round(gf),
        median: round(gf),
        max: round(gf),
        n: row.n,
        command: 'node dist/bench/cluster.js (one kill -9 per N)',
        better: 'lower',
        ...(sf !== undefined ? { baseline: { name: 'Serf member-failed on all others', value: round(sf), runs: 1 }, ratio: round(sf / gf), ratioNote: 'x faster than Serf' } : {}),
        target: '< 2000 ms',
        met: gf < 2000,
      });
    }
    for (const e of (row.errors ?? []) as string[]) out.push({ id: `cluster.error.${row.n}`, label: `Cluster N = ${row.n}: error`, unit: '', value: NaN, runs: 0, min: NaN, median: NaN, max: NaN, note: String(e).slice(0, 300) });
  }
  return out;
}

/** dnsFigures turns bench/dns's result into qps and latency figures against NSD. */
export function dnsFigures(r: Json): Figure[] {
  const g = (r?.grapevine ?? []) as Json[];
  if (!g.length) return [];
  const nsd = Array.isArray(r.nsd) ? (r.nsd as Json[]) : [];
  const how = `${r.tool}, ${r.seconds} s per run, A+SRV mix over ${r.services} services / ${r.instances} instances`;
  const spread = (xs: Json[], k: string) => {
    const v = xs.map((x) => x[k] as number).sort((a, b) => a - b);
    return { min: round(v[0]), median: round(v[Math.floor((v.length - 1) / 2)]), max: round(v[v.length - 1]) };
  };
  const q = spread(g, 'qps');
  const out: Figure[] = [
    {
      id: 'dns.qps',
      label: 'DNS queries per second (one daemon)',
      unit: 'qps',
      value: q.median,
      runs: g.length,
      ...q,
      n: `${r.services} services`,
      command: how,
      better: 'higher',
      ...(nsd.length ? { baseline: { name: 'NSD, one server process, same zone', value: spread(nsd, 'qps').median, min: spread(nsd, 'qps').min, max: spread(nsd, 'qps').max, runs: nsd.length } } : {}),
      ...(r.median?.qpsRatio !== undefined ? { ratio: r.median.qpsRatio, ratioNote: 'of NSD qps', target: '>= 0.5 of NSD', met: r.median.qpsRatio >= 0.5 } : {}),
      ...(!nsd.length && r.nsd?.skipped ? { note: `NSD skipped: ${r.nsd.skipped}` } : {}),
    },
  ];
  const echo = Array.isArray(r.nodeEcho) ? (r.nodeEcho as Json[]) : [];
  if (echo.length) {
    const e = spread(echo, 'qps');
    out.push({ id: 'dns.qpsOfNodeCeiling', label: 'DNS queries per second against the Node UDP ceiling (a Node echo server answering every query with a fixed packet)', unit: 'qps', value: q.median, runs: g.length, ...q, command: how, better: 'higher', baseline: { name: 'Node UDP echo server', value: e.median, min: e.min, max: e.max, runs: echo.length }, ...(r.median?.qpsOfNodeCeiling !== undefined ? { ratio: r.median.qpsOfNodeCeiling, ratioNote: 'of the Node ceiling' } : {}) });
  }
  for (const k of ['p50Ms', 'p99Ms']) {
    const s = spread(g, k);
    const b = nsd.length ? spread(nsd, k) : undefined;
    out.push({ id: `dns.${k}`, label: `DNS latency ${k.slice(0, 3)} (under saturating load)`, unit: 'ms', value: s.median, runs: g.length, ...s, command: how, better: 'lower', ...(b ? { baseline: { name: 'NSD', value: b.median, min: b.min, max: b.max, runs: nsd.length }, ratio: b.median > 0 ? round(s.median / b.median) : undefined } : {}) });
  }
  return out;
}

/** simFigures turns bench/sim rows into rounds and time-to-all figures per simulated size. */
export function simFigures(r: Json): Figure[] {
  const out: Figure[] = [];
  for (const row of (r?.rows ?? []) as Json[]) {
    const loss = typeof row.loss === 'number' && row.loss > 0 ? row.loss : 0;
    const tag = loss ? `${row.nodes}.loss${loss}` : String(row.nodes);
    const name = `Simulated ${row.nodes.toLocaleString('en')} nodes${loss ? ` with ${loss * 100}% message loss` : ''}`;
    const how = `node dist/bench/sim.js (seed ${r.seed}, ${r.network}, view ${row.view}${loss ? `, loss ${loss}` : ''}); one seeded run`;
    out.push({ id: `sim.rounds.${tag}`, label: `${name}: gossip rounds until all hold a write`, unit: 'rounds', value: row.rounds, runs: 1, min: row.rounds, median: row.rounds, max: row.rounds, n: row.nodes, command: how, better: 'lower', target: 'O(log N)', note: `median hops ${row.medianHops}` });
    out.push({ id: `sim.time.${tag}`, label: `${name}: simulated time until all hold it (p50 ${row.ms50} ms, p99 ${row.ms99} ms)`, unit: 'ms', value: row.msAll, runs: 1, min: row.msAll, median: row.msAll, max: row.msAll, n: row.nodes, command: how, better: 'lower' });
    out.push({ id: `sim.write.${tag}`, label: `${name}: messages per node per write${row.writeBytesPerNode !== undefined ? ` (${row.writeBytesPerNode} B)` : ''}`, unit: 'msgs', value: row.writeMsgsPerNode, runs: 1, min: row.writeMsgsPerNode, median: row.writeMsgsPerNode, max: row.writeMsgsPerNode, n: row.nodes, command: how, better: 'lower' });
    out.push({ id: `sim.bg.${tag}`, label: `${name}: background membership traffic per node (${row.bgMsgsPerNodePerSec} msg/s)`, unit: 'B/s', value: row.bgBytesPerNodePerSec, runs: 1, min: row.bgBytesPerNodePerSec, median: row.bgBytesPerNodePerSec, max: row.bgBytesPerNodePerSec, n: row.nodes, command: how, better: 'lower' });
  }
  for (const st of (r?.steady ?? []) as Json[]) {
    const how = `node dist/bench/sim.js: one instance per node, nothing changes, ${st.windowS} s simulated window, everything on the wire`;
    out.push({ id: `sim.steady.${st.nodes}`, label: `Simulated ${st.nodes.toLocaleString('en')} nodes, steady state: wire bytes per node per second (${st.msgsPerNodePerSec} msg/s)`, unit: 'B/s', value: st.bytesPerNodePerSec, runs: 1, min: st.bytesPerNodePerSec, median: st.bytesPerNodePerSec, max: st.bytesPerNodePerSec, n: st.nodes, command: how, better: 'lower' });
  }
  for (const d of (r?.detection ?? []) as Json[]) {
    out.push({ id: `sim.detect.${d.nodes}.${d.hint ? 'hint' : 'nohint'}`, label: `Simulated failure detection, ${d.nodes} nodes, ${d.hint ? 'with' : 'without'} the connection-closed hint: crash until all say dead (p50)`, unit: 'ms', value: d.p50, runs: 15, min: NaN, median: d.p50, max: d.max, n: d.nodes, command: 'node dist/bench/sim.js: 15 seeds, lan preset', better: 'lower' });
  }
  return out;
}

/** healthFigures turns bench/health's checks and propagation sections into figures. */
export function healthFigures(r: Json): Figure[] {
  const out: Figure[] = [];
  const c = r?.checks;
  if (c) {
    const v = c.checksPerSecTarget ?? c.checksPerSecDaemon;
    out.push({ id: 'health.checks', label: `HTTP health checks per second, one daemon, ${c.instances} instances at ${c.intervalMs} ms (daemon CPU ${c.cpuPercentOfOneCore}% of one core${c.eventLoopLagP99Ms !== undefined ? `, event-loop p99 ${c.eventLoopLagP99Ms} ms` : ''})`, unit: 'checks/s', value: v, runs: 1, min: v, median: v, max: v, n: c.instances, command: `node dist/bench/health.js, ${c.windowS} s window, counted at the target`, better: 'higher' });
  }
  const p = r?.propagation;
  const all = p?.allNodesMs;
  if (all && num(all.p50) !== undefined) {
    out.push({ id: 'health.propagation', label: `CUSTOM status change until all ${p.nodes} nodes show it (p50; p99 ${round(all.p99)} ms)`, unit: 'ms', value: round(all.p50), runs: 1, min: round(all.min), median: round(all.p50), max: round(all.max), n: `${p.nodes} nodes, ${p.trials} changes`, command: 'node dist/bench/health.js, blocking discovery on every node', better: 'lower' });
  }
  return out;
}

/** figuresOf returns the report rows of one bench's result, whatever its shape. */
export function figuresOf(name: string, r: Json): Figure[] {
  if (Array.isArray(r?.figures)) return r.figures as Figure[];
  if (name === 'cluster') return clusterFigures(r);
  if (name === 'dns') return dnsFigures(r);
  if (name === 'sim') return simFigures(r);
  if (name === 'health') return healthFigures(r);
  return [];
}

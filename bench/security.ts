/**
 * Security overhead benchmark (issue 12): discovery requests/s with ACLs and TLS on
 * against off, and DNS queries/s with response-rate limiting (and the dnsToken ACL
 * check) on against off, for one client under its limit. Two daemons with the same
 * records run side by side: "off" (no ACLs, no TLS, no limits) and "on" (ACLs with
 * defaultPolicy deny, HTTPS, HTTP and DNS rate limits far above the load). Runs
 * alternate between the cases so drift hits all alike; the figure is the median.
 * The HTTP read limit is set high enough never to trip, so its bucket check is measured.
 * On a small shared machine the end-to-end figures are noisy (the load generator and
 * the daemons share CPUs); the in-process figure gate_us isolates the added work.
 * Usage: node dist/bench/security.js [--quick] [--out FILE]
 */
import autocannon from 'autocannon';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { IncomingMessage } from 'node:http';
import { Registry } from '../src/core/registry.js';
import { AclResolver, hashSecret } from '../src/http/acl.js';
import { RequestGate } from '../src/http/gate.js';
import { hasOpenssl, makeCerts } from '../test/integration/helpers/certs.js';
import { QUICK, figureOf, logger, round, writeResult, type Figure } from './lib/common.js';
import { freePort, instanceBody, startDaemon, stopAll, type Daemon } from './lib/daemon.js';

const log = logger('security');
const NS = 'bench.internal';
const SVC = 's10';
const DURATION_S = QUICK ? 1 : 2;
const RUNS = QUICK ? 2 : 7;
const CONNECTIONS = 20;
const MGMT = 'bench-management-token-0123456789';
const DNS_SECRET = 'bench-dns-token-0123456789abcdef';
const TARGET = 0.1;

async function call(base: string, method: string, p: string, token: string | undefined, body?: unknown): Promise<any> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(base + p, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

async function fill(base: string, token: string | undefined): Promise<void> {
  await call(base, 'PUT', `/v1/namespaces/${NS}`, token, { type: 'DNS' });
  await call(base, 'PUT', `/v1/namespaces/${NS}/services/${SVC}`, token, { dns: { routingPolicy: 'MULTIVALUE', records: [{ type: 'A', ttl: 30 }, { type: 'SRV', ttl: 30 }] } });
  for (let i = 0; i < 10; i++) await call(base, 'PUT', `/v1/namespaces/${NS}/services/${SVC}/instances/i${i}`, token, instanceBody(i));
}

interface HttpCase {
  id: string;
  label: string;
  url: string;
  headers: Record<string, string>;
  tlsOptions?: object;
}

async function httpLoad(c: HttpCase): Promise<number> {
  const r = await autocannon({ url: c.url, connections: CONNECTIONS, duration: DURATION_S, headers: c.headers, ...(c.tlsOptions ? { tlsOptions: c.tlsOptions } : {}) } as autocannon.Options);
  if (r.non2xx + r.errors > 0) throw new Error(`${c.id}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return r.requests.average;
}

async function dnsperf(port: number, dataFile: string): Promise<number> {
  const { stdout } = await promisify(execFile)('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', dataFile, '-l', String(DURATION_S), '-c', '1', '-q', '200', '-t', '2'], { timeout: (DURATION_S + 20) * 1000 });
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(stdout)?.[1]);
  const lost = Number(/Queries lost:\s+(\d+)/.exec(stdout)?.[1]);
  if (!Number.isFinite(qps)) throw new Error(`dnsperf output not understood:\n${stdout}`);
  if (lost > 0) log(`dnsperf: ${lost} queries lost on port ${port}`);
  return qps;
}

async function hasDnsperf(): Promise<boolean> {
  try {
    await promisify(execFile)('dnsperf', ['-h']);
    return true;
  } catch (e) {
    return (e as { code?: string }).code !== 'ENOENT';
  }
}

/**
 * gateCostUs measures in process what ACLs and rate limits add to one discovery
 * request: the rate-limit bucket, reading the token from the raw headers, the cached
 * token lookup and the rule check (microseconds per request, median of 5 rounds).
 */
function gateCostUs(): number {
  const reg = new Registry();
  const secret = '11111111-2222-4333-8444-555555555555';
  const accessorId = '0b0e2c4c-6a2e-4c1e-9d1a-1f2e3d4c5b6a';
  reg.apply({ key: `t|${accessorId}`, value: { accessorId, secretHash: hashSecret(secret), description: '', rules: [{ resource: 'namespace', name: NS, access: 'read' }], createdAtMs: 0 }, hlc: 1, node: 'bench', seq: 1 });
  // Limits far above what the loop can reach (over a million checks a second on a quiet core), so the bucket check is measured, never tripped.
  const gate = new RequestGate({ readsPerSec: 1e9, writesPerSec: 1e9, corsOrigins: [] }, new AclResolver(reg, { enabled: true, defaultPolicy: 'deny' }));
  const req = { rawHeaders: ['Host', '127.0.0.1:8500', 'Connection', 'keep-alive', 'Authorization', `Bearer ${secret}`], socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage;
  const params = { ns: NS, svc: SVC };
  const need = { resource: 'service', access: 'read' } as const;
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const n = 500_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      gate.admit(req, 'GET');
      gate.authorize(need, params, gate.identify(req));
      gate.corsOrigin(req);
    }
    rounds.push(((performance.now() - t0) * 1000) / n);
  }
  return rounds.sort((a, b) => a - b)[2]!;
}

async function main(): Promise<void> {
  if (!hasOpenssl()) throw new Error('openssl is needed to make the test certificates');
  const dir = mkdtempSync(path.join(tmpdir(), 'grapevine-bench-sec-'));
  const daemons: Daemon[] = [];
  try {
    const certs = makeCerts(dir, 'sec-on');
    const httpsPort = await freePort();
    const onCfg = path.join(dir, 'on.json');
    writeFileSync(onCfg, JSON.stringify({
      httpsAddr: `127.0.0.1:${httpsPort}`,
      tls: { caFile: certs.caFile, certFile: certs.serverCert, keyFile: certs.serverKey },
      acl: { enabled: true, defaultPolicy: 'deny', initialManagementToken: MGMT, dnsToken: DNS_SECRET },
      limits: { httpReadsPerSec: 1_000_000, httpWritesPerSec: 1_000_000, dnsResponsesPerSec: 1_000_000, dnsSlip: 2 },
    }));
    const off = await startDaemon({ name: 'sec-off', logLevel: 'warn' });
    daemons.push(off);
    const on = await startDaemon({ name: 'sec-on', configFile: onCfg, logLevel: 'warn' });
    daemons.push(on);
    await fill(off.httpUrl, undefined);
    await fill(on.httpUrl, MGMT);
    const reader = await call(on.httpUrl, 'POST', '/v1/acl/tokens', MGMT, { description: 'bench reader', rules: [{ resource: 'namespace', name: NS, access: 'read' }] });
    await call(on.httpUrl, 'POST', '/v1/acl/tokens', MGMT, { description: 'dns', secretId: DNS_SECRET, rules: [{ resource: 'namespace', name: NS, access: 'read' }] });
    const p = `/v1/discover/${NS}/${SVC}`;
    const auth = { authorization: `Bearer ${reader.secretId}` };
    const cases: HttpCase[] = [
      { id: 'off', label: 'discover, ACLs and TLS off', url: off.httpUrl + p, headers: {} },
      { id: 'acl', label: 'discover, ACLs on (token), plain HTTP', url: on.httpUrl + p, headers: auth },
      { id: 'aclTls', label: 'discover, ACLs on (token) over HTTPS', url: `https://127.0.0.1:${httpsPort}${p}`, headers: auth, tlsOptions: { ca: readFileSync(certs.caFile) } },
    ];
    const runs: Record<string, number[]> = { off: [], acl: [], aclTls: [] };
    for (const c of cases) await httpLoad({ ...c }); // warm-up
    for (let r = 0; r < RUNS; r++) {
      for (const c of cases) {
        const rps = await httpLoad(c);
        runs[c.id]!.push(rps);
        log(`run ${r + 1}/${RUNS} ${c.id}: ${round(rps)} req/s`);
      }
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const figures: Figure[] = [];
    const base = med(runs.off!);
    for (const c of cases) {
      const cost = 1 - med(runs[c.id]!) / base;
      figures.push(figureOf(`http_${c.id}`, c.label, 'req/s', runs[c.id]!, c.id === 'off' ? {} : { baseline: { name: 'off', value: round(base) }, ratio: round(med(runs[c.id]!) / base), target: `cost < ${TARGET * 100}%`, met: cost < TARGET, note: `cost ${round(cost * 100)}%` }));
    }

    const gateUs = gateCostUs();
    const perRequestUs = 1e6 / base;
    figures.push(figureOf('gate_us', 'ACL + rate-limit work per discovery request (in process)', 'µs', [gateUs], { note: `${round((gateUs / perRequestUs) * 100)}% of the ${round(perRequestUs)} µs a request takes at the "off" rate` }));

    let dnsNote: string | undefined;
    if (await hasDnsperf()) {
      const data = path.join(dir, 'q.txt');
      writeFileSync(data, `_${SVC}._tcp.${NS} SRV\n${SVC}.${NS} A\n`);
      const dnsRuns: Record<string, number[]> = { off: [], on: [] };
      await dnsperf(off.dnsPort, data);
      await dnsperf(on.dnsPort, data);
      for (let r = 0; r < RUNS; r++) {
        dnsRuns.off!.push(await dnsperf(off.dnsPort, data));
        dnsRuns.on!.push(await dnsperf(on.dnsPort, data));
        log(`dns run ${r + 1}/${RUNS}: off ${round(dnsRuns.off!.at(-1)!)} q/s, on ${round(dnsRuns.on!.at(-1)!)} q/s`);
      }
      const dBase = med(dnsRuns.off!);
      const dCost = 1 - med(dnsRuns.on!) / dBase;
      figures.push(figureOf('dns_off', 'DNS (dnsperf, one client), RRL and ACLs off', 'q/s', dnsRuns.off!));
      figures.push(figureOf('dns_on', 'DNS (dnsperf, one client under its limit), RRL and dnsToken ACL on', 'q/s', dnsRuns.on!, { baseline: { name: 'off', value: round(dBase) }, ratio: round(med(dnsRuns.on!) / dBase), target: `cost < ${TARGET * 100}%`, met: dCost < TARGET, note: `cost ${round(dCost * 100)}%` }));
    } else dnsNote = 'dnsperf is not installed: DNS figures skipped';

    console.log('\n| figure | median | min | max | cost vs off | target met |');
    console.log('|---|---:|---:|---:|---:|---|');
    for (const f of figures) console.log(`| ${f.label} | ${f.value} ${f.unit} | ${f.min} | ${f.max} | ${f.note ?? '-'} | ${f.met === undefined ? '-' : f.met ? 'yes' : 'no'} |`);
    if (dnsNote) console.log(dnsNote);
    writeResult('security', { figures, ...(dnsNote ? { note: dnsNote } : {}), durationS: DURATION_S, connections: CONNECTIONS });
  } finally {
    await stopAll(daemons);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

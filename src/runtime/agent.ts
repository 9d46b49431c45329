/**
 * The daemon: it builds its parts in one place, in order (store, node, config
 * definitions, gossip, clock-skew watch, health checks, DNS, HTTP), and tears them
 * down along one path, in reverse order, whether start-up failed halfway or the
 * daemon is shutting down.
 */
import { readFileSync } from 'node:fs';
import { ViewCache } from '../core/discovery.js';
import type { Random } from '../core/gossip/types.js';
import { stateDigest } from '../core/state-digest.js';
import { formatHostPort, parseHostPort } from '../config/addr.js';
import type { AgentConfig } from '../config/types.js';
import { startDnsServer } from '../dns/server.js';
import { HealthManager, healthMetrics } from '../health/index.js';
import { AclResolver } from '../http/acl.js';
import { startApiServer, type ApiSecurity, type ApiServer } from '../http/server.js';
import type { ApiDeps } from '../http/types.js';
import { createLogger, type Logger } from '../obs/logger.js';
import { enableDefaultMetrics, gauge, metricsRegistry } from '../obs/metrics.js';
import { openStoreWithRecovery, type RecoveryOutcome } from '../storage/recovery.js';
import type { Store } from '../storage/store.js';
import { RealClock, type Clock } from './clock.js';
import { ClockSkewWatch } from './clock-skew.js';
import { applyConfigDefinitions } from './config-definitions.js';
import { ConfigRegistrationKeeper } from './config-registrations.js';
import type { AgentContext } from './context.js';
import { startGossip } from './gossip.js';
import { IndexFloorKeeper } from './index-floors.js';
import { GrapevineNode } from './node.js';
import { restartOnlyChanges } from './reload.js';
import { systemRandom } from './random.js';
import { listening } from './listen-error.js';
import { Teardown } from './teardown.js';
import { resolveAdvertised } from './advertise.js';
import { invalid } from '../core/errors.js';
import { ServiceWaiters } from './waiters.js';

/** StartAgentOptions are the inputs of startAgent; only `config` is required. */
export interface StartAgentOptions {
  config: AgentConfig;
  logger?: Logger;
  clock?: Clock;
  /** store replaces the LevelDB store in dataDir (tests, simulations). */
  store?: Store;
  random?: Random;
  /** onShutdownRequest is called when a client asks the daemon to stop (POST /v1/agent/leave). */
  onShutdownRequest?: () => void;
  /** onFatal is called when the daemon must not go on (exitCode 5: a live member already has its name); the caller shuts down. */
  onFatal?: (exitCode: number, message: string) => void;
}

/** AgentHandle is a running daemon. */
export interface AgentHandle {
  ctx: AgentContext;
  node: GrapevineNode;
  config: AgentConfig;
  logger: Logger;
  http: ApiServer;
  /** recovery is what start-up recovery of the data dir found and did (absent with an injected store). */
  recovery?: RecoveryOutcome;
  /** onClose registers a stop step; steps run in reverse order of registration, before the store closes. */
  onClose(fn: () => Promise<void> | void): void;
  /** reload applies a new config (SIGHUP): log level, namespaces, services, registrations; it returns the fields that need a restart. A bad definition throws InvalidInput. */
  reload(next: AgentConfig): Promise<{ restartNeeded: string[] }>;
  /** close stops accepting requests, leaves the cluster, runs stop steps, flushes and closes the store. Idempotent. */
  close(): Promise<void>;
}

/** grapevineVersion reads the version from package.json once. */
export function grapevineVersion(): string {
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      /* try the next layout (dist/src/runtime vs src/runtime) */
    }
  }
  return '0.0.0';
}

/** startAgent starts one daemon and resolves once its HTTP API answers. */
export async function startAgent(opts: StartAgentOptions): Promise<AgentHandle> {
  const { config } = opts;
  const logger = opts.logger ?? createLogger(config.logLevel, { node: config.node.name });
  const clock = opts.clock ?? new RealClock();
  const random = opts.random ?? systemRandom();
  const teardown = new Teardown(logger);
  enableDefaultMetrics();
  try {
    let store = opts.store;
    let recovery: RecoveryOutcome | undefined;
    if (!store) {
      // Damage is repaired or moved aside here (or StoreDamagedError with --no-recover); the outcome says what to refill.
      ({ store, outcome: recovery } = await openStoreWithRecovery(config.node.dataDir, { recover: config.recover, logger }));
    }
    const node = new GrapevineNode(config.node.name, store, clock);
    const t0 = clock.nowMs();
    await node.start(recovery?.highWater); // StoreLockedError when another daemon holds the data dir.
    teardown.add('store', () => node.stop()); // LevelStore.close waits for pending group commits.
    logger.info({ records: node.registry.records.size, loadMs: clock.nowMs() - t0, dataDir: config.node.dataDir }, 'registry loaded');
    registerNodeGauges(node);
    // ACLs: one resolver for HTTP requests and DNS answers (acl.dnsToken's rights).
    const acl = new AclResolver(node.registry, config.acl);
    // Indexes never go backwards: raise them to the persisted floors before anything reads them.
    const floors = new IndexFloorKeeper(node, clock);
    await floors.start();
    teardown.add('index floors', () => floors.stop());

    const registrations = new ConfigRegistrationKeeper(node, logger, clock.nowMs());
    teardown.add('config registrations', () => registrations.stop());
    const applied = await applyConfigDefinitions(node, config, clock.nowMs(), registrations);
    if (applied.namespaces + applied.services + applied.registrations > 0) logger.info(applied, 'applied config definitions');

    const onIdentityRefused = (detail: string, peerAddr: string) => {
      const message = `node name ${config.node.name} is taken: ${detail} (refused by ${peerAddr}); this daemon at ${config.node.gossipAddr} does not join`;
      logger.error({ node: config.node.name, gossip: config.node.gossipAddr, peer: peerAddr, detail }, message);
      opts.onFatal?.(5, message);
    };
    const refill = recovery !== undefined && recovery.recovered !== 'none';
    // Never advertise a wildcard: peers dial what we advertise.
    const advertised = resolveAdvertised(config.node.gossipAddr, config.advertiseAddr);
    if (!advertised) throw invalid('advertiseAddr', `gossipAddr ${config.node.gossipAddr} listens on every interface and this host has no non-loopback address to advertise; set advertiseAddr (--advertise)`);
    if (advertised.source === 'interface') logger.info({ gossipAddr: config.node.gossipAddr, advertiseAddr: advertised.addr }, `gossipAddr is a wildcard: advertising ${advertised.addr} (the host's first non-loopback address; set advertiseAddr to choose)`);
    const advertiseAddr = advertised.source === 'listen' ? {} : { advertiseAddr: advertised.addr };
    const gossip = await listening('gossipAddr', config.node.gossipAddr, () => startGossip({ node, cluster: config.cluster, gossipAddr: config.node.gossipAddr, ...advertiseAddr, join: config.join, gossip: config.gossip, encryptKeys: config.encryptKeys, ...(config.tls ? { tls: config.tls } : {}), logger, clock, random, metrics: metricsRegistry, refill, onIdentityRefused }));
    teardown.add('gossip', () => gossip.stop());

    // A node too far off the cluster's clock says so and refuses writes (ClockSkew).
    const skew = new ClockSkewWatch({ selfName: node.name, maxClockSkewMs: config.gossip.maxClockSkewMs, offsets: () => gossip.transport.peerClockOffsets(), logger, clock });
    skew.start();
    node.writeGuard = () => skew.writeGuard();
    teardown.add('clock-skew watch', () => skew.stop());

    const health = new HealthManager(node, { maxConcurrentChecks: config.health.maxConcurrentChecks, random, logger, metrics: healthMetrics() });
    health.start();
    teardown.add('health checks', () => health.stop());

    // One read cache for HTTP discovery and DNS, so both answer from the same selection.
    const viewCache = new ViewCache();
    if (config.node.dnsAddr) {
      const d = parseHostPort(config.node.dnsAddr, 'dnsAddr');
      const dns = await listening('dnsAddr', config.node.dnsAddr, () =>
        startDnsServer({
          registry: node.registry,
          host: d.host,
          port: d.port,
          random,
          viewCache,
          recursors: config.dns.recursors,
          recursorTimeoutMs: config.dns.recursorTimeoutMs,
          rateLimit: { responsesPerSec: config.limits.dnsResponsesPerSec, slip: config.limits.dnsSlip },
          ...(config.acl.enabled ? { allowNamespace: (ns: string) => acl.dns().authz.namespace(ns, 'read') } : {}),
        }),
      );
      teardown.add('dns', () => dns.close());
      logger.info({ dns: formatHostPort(dns.address), recursors: config.dns.recursors.length }, 'dns server listening');
    }

    const ctx: AgentContext = { node, membership: gossip.membership, health, clockSkew: skew, stateDigest: () => stateDigest(node.registry), version: grapevineVersion() };
    const waiters = new ServiceWaiters(node, clock);
    teardown.add('blocking queries', () => waiters.closeAll());
    const deps: ApiDeps = { ctx, waiters, random, logger, viewCache, acl, ...(opts.onShutdownRequest ? { requestShutdown: opts.onShutdownRequest } : {}) };
    const security: ApiSecurity = { readsPerSec: config.limits.httpReadsPerSec, writesPerSec: config.limits.httpWritesPerSec, corsOrigins: config.http.corsOrigins };
    if (config.node.httpsAddr && config.tls) {
      const h = parseHostPort(config.node.httpsAddr, 'httpsAddr');
      const t = config.tls;
      security.https = { host: h.host, port: h.port, key: t.key, cert: t.cert, ca: t.ca, verifyIncoming: config.verifyIncoming };
    }
    const a = parseHostPort(config.node.httpAddr, 'httpAddr');
    const http = await listening('httpAddr', config.node.httpAddr, () => startApiServer(deps, a.host, a.port, config.http, security));
    const httpAdvertised = resolveAdvertised(config.node.httpAddr, config.advertiseHttpAddr)?.addr ?? null;
    logger.info({ http: http.address, https: http.httpsAddress ?? null, advertiseHttpAddr: httpAdvertised, acl: config.acl.enabled ? config.acl.defaultPolicy : 'off', gossip: config.node.gossipAddr, advertiseAddr: advertised.addr, dns: config.node.dnsAddr ?? null, version: ctx.version }, 'grapevine agent started');

    let closing: Promise<void> | undefined;
    // running is the config the daemon runs with; a reload changes only what it can apply.
    let running = config;
    return {
      ctx,
      node,
      config,
      logger,
      http,
      ...(recovery ? { recovery } : {}),
      onClose: (fn) => teardown.add('extra', fn),
      async reload(next) {
        const restartNeeded = restartOnlyChanges(running, next);
        logger.level = next.logLevel;
        const reloaded = await applyConfigDefinitions(node, next, clock.nowMs(), registrations, 'reload');
        running = { ...running, logLevel: next.logLevel, namespaces: next.namespaces, services: next.services, registrations: next.registrations };
        logger.info({ ...reloaded, logLevel: next.logLevel }, 'config reloaded');
        if (restartNeeded.length > 0) logger.warn({ fields: restartNeeded }, `config reloaded, but these fields change only at a restart: ${restartNeeded.join(', ')}`);
        return { restartNeeded };
      },
      close() {
        closing ??= (async () => {
          logger.info('shutting down');
          await http.close();
          try {
            await gossip.membership.leave();
          } catch (e) {
            logger.warn({ err: e }, 'leave failed');
          }
          await teardown.run();
          logger.info('stopped');
        })();
        return closing;
      },
    };
  } catch (e) {
    await teardown.run();
    throw e;
  }
}

/** registerNodeGauges exposes the registry's size and revision and the store's state. */
function registerNodeGauges(node: GrapevineNode): void {
  gauge('grapevine_registry_records', 'Records (live and tombstones) in the local registry', [], function () {
    this.set(node.registry.records.size);
  });
  gauge('grapevine_store_ok', '1 while the store accepts writes, 0 while it is failed (GET /v1/status shows the cause)', [], function () {
    this.set(node.storeStatus.ok ? 1 : 0);
  });
  gauge('grapevine_registry_revision', 'Local registry revision', [], function () {
    this.set(node.registry.revision);
  });
}

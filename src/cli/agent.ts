import type { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GrapevineError } from '../core/errors.js';
import type { AgentFlags } from '../config/types.js';
import { ListenError } from '../runtime/listen-error.js';
import { StorageUnavailableError, StoreDamagedError, StoreLockedError } from '../storage/store.js';

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/**
 * runAgent starts the daemon and keeps it running until SIGTERM or SIGINT (or a leave
 * request), then shuts down in order and exits 0. Start-up failures exit non-zero with
 * a message naming the cause: a bad config field (2), a data dir in use (3), an address
 * in use (4), a live member already has this node name (5: the message names both
 * gossip addresses), a damaged store with --no-recover (6), a store the disk refuses (7),
 * other (1). The README lists every exit code.
 */
export async function runAgent(flags: AgentFlags): Promise<void> {
  // Loaded here, not at the top: the API commands should not pay for (or depend on) the daemon's modules.
  const { resolveAgentConfig } = await import('../config/load.js');
  const { createLogger } = await import('../obs/logger.js');
  const { startAgent } = await import('../runtime/agent.js');
  let config: ReturnType<typeof resolveAgentConfig>;
  try {
    config = resolveAgentConfig(flags);
  } catch (e) {
    if (e instanceof GrapevineError) {
      process.stderr.write(`grapevine agent: invalid configuration: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const logger = createLogger(config.logLevel, { node: config.node.name });
  if (config.gossipInsecure && config.encryptKeys.length === 0) logger.warn({ gossipAddr: config.node.gossipAddr }, 'gossip.insecure is set: gossip is not encrypted, and anyone who can reach the gossip address can join and write to the cluster (make a key with `grapevine keygen`)');
  let stopping = false;
  let fatal: number | undefined;
  let handle: Awaited<ReturnType<typeof startAgent>> | undefined;
  let exitCode = 0;
  const stop = (why: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    logger.info({ why }, 'stopping');
    const hard = setTimeout(() => {
      logger.error('shutdown took longer than 15 s; exiting');
      process.exit(1);
    }, 15_000);
    hard.unref();
    void (handle ? handle.close() : Promise.resolve()).then(
      () => {
        logger.flush?.();
        process.exit(exitCode);
      },
      (e) => {
        logger.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // SIGHUP reloads the config; a bad new config is logged and the daemon goes on with the one it has.
  let reloading = Promise.resolve();
  process.on('SIGHUP', () => {
    reloading = reloading.then(async () => {
      if (!handle || stopping) return;
      logger.info({ config: flags.config ?? null }, 'SIGHUP: reloading the config');
      try {
        await handle.reload(resolveAgentConfig(flags));
      } catch (e) {
        logger.error({ err: e instanceof GrapevineError ? e.message : e }, 'config reload failed; the daemon goes on with the config it has');
      }
    });
  });
  try {
    const onFatal = (code: number, message: string) => {
      if (stopping) return;
      process.stderr.write(`grapevine agent: ${message}\n`);
      if (handle) stop('fatal', code);
      else fatal ??= code;
    };
    handle = await startAgent({ config, logger, onShutdownRequest: () => stop('leave'), onFatal });
  } catch (e) {
    if (e instanceof StoreLockedError) {
      process.stderr.write(`grapevine agent: ${e.message}\n`);
      logger.flush?.();
      process.exit(3);
    }
    if (e instanceof StoreDamagedError) {
      process.stderr.write(`grapevine agent: ${e.message}\n`);
      logger.flush?.();
      process.exit(6);
    }
    if (e instanceof StorageUnavailableError) {
      process.stderr.write(`grapevine agent: ${e.message}\n`);
      logger.flush?.();
      process.exit(7);
    }
    if (e instanceof GrapevineError) {
      process.stderr.write(`grapevine agent: invalid configuration: ${e.message}\n`);
      process.exit(2);
    }
    if (e instanceof ListenError) {
      process.stderr.write(`grapevine agent: ${e.message}\n`);
      logger.flush?.();
      process.exit(4);
    }
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') {
      process.stderr.write(`grapevine agent: cannot listen: ${err.code}: ${err.message}\n`);
      process.exit(4);
    }
    throw e;
  }
  if (fatal !== undefined) stop('fatal', fatal);
  else if (stopping) await handle.close();
}

/**
 * devFlags fills in `agent --dev` (like `consul agent -dev`): one node named `dev`, a
 * temporary data dir removed at exit, HTTP on 127.0.0.1:8500, DNS on 127.0.0.1:8600,
 * gossip on a free loopback port, no join. Flags given explicitly still win.
 */
function devFlags(o: AgentFlags): AgentFlags {
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'grapevine-dev-'));
  if (o.dataDir === undefined) process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  process.stderr.write(`grapevine agent --dev: one node, data in ${dataDir} (removed at exit); not for production\n`);
  return { node: 'dev', httpAddr: '127.0.0.1:8500', dnsAddr: '127.0.0.1:8600', gossipAddr: '127.0.0.1:0', preset: 'local', ...o, dataDir, join: o.join ?? [] };
}

/** registerAgentCommand adds `grapevine agent`. */
export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description('run the Grapevine daemon')
    .option('--config <file>', 'JSON config file')
    .option('--node <name>', 'node name (picks the entry of the config file)')
    .option('--data-dir <dir>', 'LevelDB data directory')
    .option('--gossip-addr <host:port>', 'gossip listen address')
    .option('--http-addr <host:port>', 'HTTP API listen address')
    .option('--dns-addr <host:port>', 'DNS listen address (UDP and TCP)')
    .option('--join <host:port>', 'gossip address of a member to join (repeatable)', collect)
    .option('--preset <name>', 'gossip timing preset: lan, local or test')
    .option('--log-level <level>', 'trace, debug, info, warn, error, fatal or silent')
    .option('--no-recover', 'exit (code 6) instead of repairing or moving aside a damaged data dir')
    .option('--cluster <name>', 'cluster name (overrides the config file)')
    .option('--advertise <host:port>', 'gossip address to advertise to peers (default: the gossip address, or the first non-loopback address when it is 0.0.0.0 or ::)')
    .option('--encrypt-key <base64>', 'gossip encryption key (repeatable; the first encrypts); replaces the config file\'s encryptKeys', collect)
    .option('--dev', 'one throwaway node for trying things out: temporary data dir, HTTP on 127.0.0.1:8500, DNS on 127.0.0.1:8600')
    .action(async (o: AgentFlags) => {
      await runAgent(o.dev ? devFlags(o) : o);
    });
}

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { readConfigFile } from '../config/load.js';
import { fail } from './output.js';

const COLOURS = [36, 33, 35, 32, 34, 31];

/**
 * runCluster starts every node of a config file as a child process
 * (`grapevine agent --config FILE --node NAME`), prefixes their log lines with the
 * node name, and on Ctrl-C or SIGTERM stops them all with SIGTERM and waits for them.
 */
export async function runCluster(file: string, extraArgs: string[] = []): Promise<void> {
  let nodes: ReturnType<typeof readConfigFile>['nodesList'];
  try {
    nodes = readConfigFile(file).nodesList;
  } catch (e) {
    fail(e);
  }
  if (nodes.length === 0) fail(new Error(`${file} has no nodes`));
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  const tty = process.stdout.isTTY === true;
  const width = Math.max(...nodes.map((n) => n.name.length));
  const children = new Map<string, ChildProcess>();
  let stopping = false;
  let worst = 0;
  const exits: Promise<void>[] = [];
  for (const [i, n] of nodes.entries()) {
    const child = spawn(process.execPath, [main, 'agent', '--config', file, '--node', n.name, ...extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GRAPEVINE_LOG_PRETTY: tty ? '1' : '0', FORCE_COLOR: tty ? '1' : '0' },
    });
    children.set(n.name, child);
    const label = n.name.padEnd(width);
    const prefix = tty ? `\x1b[${COLOURS[i % COLOURS.length]}m${label} |\x1b[0m ` : `${label} | `;
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => process.stdout.write(prefix + line + '\n'));
    }
    exits.push(
      new Promise((resolve) =>
        child.once('exit', (code, signal) => {
          children.delete(n.name);
          if (!stopping || code !== 0) process.stdout.write(`${prefix}exited (${signal ?? `code ${code}`})\n`);
          if (code !== 0) worst = Math.max(worst, code ?? 1);
          resolve();
        }),
      ),
    );
  }
  const stopAll = () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`stopping ${children.size} node(s)...\n`);
    for (const c of children.values()) c.kill('SIGTERM');
    // A child that hangs is killed, so that Ctrl-C always ends the cluster.
    setTimeout(() => {
      for (const c of children.values()) c.kill('SIGKILL');
    }, 20_000).unref();
  };
  process.on('SIGINT', stopAll);
  process.on('SIGTERM', stopAll);
  process.stdout.write(`starting ${nodes.length} node(s) from ${file}\n`);
  // A node is "started" only once its API answers: one that failed to bind says so through its exit instead.
  for (const n of nodes) {
    void (async () => {
      for (let i = 0; i < 600 && children.has(n.name) && !stopping; i++) {
        const up = await fetch(`http://${n.httpAddr}/v1/status`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
        if (up) return process.stdout.write(`started ${n.name}: listening on http://${n.httpAddr}\n`);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
  }
  await Promise.all(exits);
  process.exit(stopping ? worst : Math.max(worst, 1));
}

/** registerClusterCommand adds `grapevine cluster --config FILE`. */
export function registerClusterCommand(program: Command): void {
  program
    .command('cluster')
    .description('run every node of a config file on this machine (for trying Grapevine out)')
    .requiredOption('--config <file>', 'JSON config file listing the nodes')
    .option('--log-level <level>', 'log level of every node')
    .action(async (o: { config: string; logLevel?: string }) => {
      await runCluster(o.config, o.logLevel ? ['--log-level', o.logLevel] : []);
    });
}

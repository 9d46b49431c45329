/** `grapevine version` and `grapevine --version`. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';

/** cliVersion reads the package version from package.json (dist/src/cli or src/cli layouts). */
export function cliVersion(): string {
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      /* try the next layout */
    }
  }
  return '0.0.0';
}

/** registerVersionCommand adds `grapevine version` and the `--version` option. */
export function registerVersionCommand(program: Command): void {
  const v = cliVersion();
  program.version(`grapevine ${v}`, '-V, --version', 'print the version');
  program
    .command('version')
    .description('print the version of this grapevine command')
    .action(() => {
      process.stdout.write(`grapevine ${v}\nnode ${process.version}\n`);
    });
}

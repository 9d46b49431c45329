/**
 * Finding out what this machine offers the scenarios: root, a working iptables, a
 * mountable tmpfs, libfaketime. Each probe answers with the reason when it is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Need } from './types.js';

const FAKETIME_LIBS = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
  '/usr/lib64/faketime/libfaketime.so.1',
  '/usr/local/lib/faketime/libfaketime.so.1',
];

/** findFaketimeLib returns the path of libfaketime.so.1, or undefined. */
export function findFaketimeLib(): string | undefined {
  return FAKETIME_LIBS.find((p) => existsSync(p));
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function probeIptables(): string | undefined {
  if (!isRoot()) return 'needs root for iptables';
  const r = spawnSync('iptables', ['-S', 'OUTPUT'], { encoding: 'utf8' });
  if (r.error) return 'iptables is not installed (Debian package `iptables`)';
  if (r.status !== 0) return `iptables does not work here: ${(r.stderr || '').trim().split('\n')[0]}`;
  return undefined;
}

function probeTmpfs(): string | undefined {
  if (!isRoot()) return 'needs root to mount a tmpfs';
  const dir = mkdtempSync(join(tmpdir(), 'gv-chaos-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
    execFileSync('umount', [dir], { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    return `cannot mount a tmpfs: ${(e as Error).message.split('\n')[0]}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** missingNeed returns why a need is not met on this machine, or undefined when it is. */
export function missingNeed(need: Need): string | undefined {
  switch (need) {
    case 'root':
      return isRoot() ? undefined : 'needs root';
    case 'iptables':
      return probeIptables();
    case 'tmpfs':
      return probeTmpfs();
    case 'faketime':
      return findFaketimeLib() ? undefined : 'libfaketime is not installed (Debian package `faketime`)';
  }
}

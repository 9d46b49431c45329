import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { KEY_BYTES } from '../transport/keyring.js';

/** makeGossipKey returns a fresh random AES-256 key, base64-encoded as `encryptKeys` takes it. */
export function makeGossipKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/** registerKeygenCommand adds `grapevine keygen`, which prints a new gossip encryption key (like `consul keygen`). */
export function registerKeygenCommand(program: Command): void {
  program
    .command('keygen')
    .description('print a new random gossip encryption key (base64 AES-256) for "encryptKeys"')
    .action(() => {
      process.stdout.write(`${makeGossipKey()}\n`);
    });
}

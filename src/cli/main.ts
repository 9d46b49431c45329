#!/usr/bin/env node
/**
 * The `grapevine` command: the daemon (`agent`), a local cluster launcher (`cluster`),
 * and commands that drive a daemon's HTTP API.
 */
import { Command } from 'commander';
import { registerAgentCommand } from './agent.js';

const program = new Command();
program.name('grapevine').description('Service registry and discovery: Cloud Map’s model, gossip replication, DNS and HTTP from every node');
registerAgentCommand(program);

await program.parseAsync(process.argv);

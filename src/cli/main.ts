#!/usr/bin/env node
/**
 * The `grapevine` command: the daemon (`agent`), a local cluster launcher (`cluster`),
 * and commands that drive a daemon's HTTP API.
 */
import { Command } from 'commander';
import { addApiOptions } from './output.js';
import { registerAclCommands } from './acl.js';
import { registerAgentCommand } from './agent.js';
import { registerClusterCommand } from './cluster.js';
import { registerInstanceCommands } from './instance.js';
import { registerKeygenCommand } from './keygen.js';
import { registerMemberCommands } from './members.js';
import { registerNamespaceCommands } from './namespace.js';
import { registerServiceCommands } from './service.js';
import { registerTlsCommands } from './tls.js';
import { registerCompletionCommand } from './completion.js';
import { registerVersionCommand } from './version.js';

const program = new Command();
program
  .name('grapevine')
  .description('Service registry and discovery: Cloud Map’s model, gossip replication, DNS and HTTP answers from every node')
  .showHelpAfterError();
registerAgentCommand(program);
registerClusterCommand(program);
registerNamespaceCommands(program);
registerServiceCommands(program);
registerInstanceCommands(program);
registerMemberCommands(program);
registerKeygenCommand(program);
registerTlsCommands(program);
registerAclCommands(program);
registerVersionCommand(program);
registerCompletionCommand(program);
// --http-addr and --json go on each API command, not on the program: `agent` has its own --http-addr.
addApiOptions(program, ['agent', 'cluster', 'keygen', 'tls', 'version', 'completion']);

await program.parseAsync(process.argv);

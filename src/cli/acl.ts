import type { Command } from 'commander';
import type { AclRule } from '../core/acl.js';
import { invalid } from '../core/errors.js';
import { seg } from './client.js';
import { action, client, collect, print, table } from './output.js';

/**
 * parseRuleFlag reads one --rule: "namespace=prod:write", "namespace-prefix=team-:read",
 * "service=web:read", "service-prefix=api-:write", "agent:write" or "acl:write".
 */
export function parseRuleFlag(v: string): AclRule {
  const colon = v.lastIndexOf(':');
  if (colon <= 0) throw invalid('--rule', `"${v}" is not resource[=name]:access`);
  const access = v.slice(colon + 1);
  if (access !== 'read' && access !== 'write' && access !== 'deny') throw invalid('--rule', `"${v}": access must be read, write or deny`);
  const head = v.slice(0, colon);
  const eq = head.indexOf('=');
  const kind = eq < 0 ? head : head.slice(0, eq);
  const name = eq < 0 ? undefined : head.slice(eq + 1);
  const prefix = kind.endsWith('-prefix');
  const resource = prefix ? kind.slice(0, -'-prefix'.length) : kind;
  if (resource !== 'namespace' && resource !== 'service' && resource !== 'agent' && resource !== 'acl') {
    throw invalid('--rule', `"${v}": resource must be namespace, namespace-prefix, service, service-prefix, agent or acl`);
  }
  const rule: AclRule = { resource, access };
  if (name !== undefined) rule.name = name;
  if (prefix) rule.prefix = true;
  return rule;
}

/** registerAclCommands adds `grapevine acl token create|list|delete`. */
export function registerAclCommands(program: Command): void {
  const token = program.command('acl').description('ACL token management').command('token').description('create, list and delete ACL tokens');
  token
    .command('create')
    .description('create a token; its secret is printed once and never shown again')
    .option('--description <text>', 'what the token is for', '')
    .option('--rule <resource[=name]:access>', 'a rule such as namespace=prod:write, service-prefix=api-:read, agent:write (repeatable)', collect)
    .option('--aws-access-key', 'also create an AWS access key pair, to sign Cloud Map calls from the AWS SDKs and CLI (SigV4)')
    .action(
      action(async (o: { description: string; rule?: string[]; awsAccessKey?: boolean }, cmd: Command) => {
        const rules = (o.rule ?? []).map(parseRuleFlag);
        const r = await client(cmd).call('POST', '/v1/acl/tokens', { description: o.description, rules, ...(o.awsAccessKey ? { awsAccessKey: true } : {}) });
        const aws = r.awsAccessKeyId ? `\nAWS access key id:     ${r.awsAccessKeyId}\nAWS secret access key: ${r.awsSecretAccessKey}` : '';
        print(cmd, r, () => `AccessorID: ${r.accessorId}\nSecretID:   ${r.secretId}${aws}\n(the secrets are shown only now)`);
      }),
    );
  token
    .command('list')
    .description('list tokens (accessor ids and rules, never secrets)')
    .action(
      action(async (_o: unknown, cmd: Command) => {
        const r = await client(cmd).call('GET', '/v1/acl/tokens');
        const ruleText = (rs: AclRule[]) => rs.map((x) => `${x.resource}${x.prefix ? '-prefix' : ''}${x.name !== undefined ? `=${x.name}` : ''}:${x.access}`).join(' ');
        print(cmd, r, () => table(['ACCESSOR ID', 'DESCRIPTION', 'RULES'], r.tokens.map((t: any) => [t.accessorId, t.description, ruleText(t.rules)])));
      }),
    );
  token
    .command('delete <accessorId>')
    .description('delete a token by accessor id')
    .action(
      action(async (accessorId: string, _o: unknown, cmd: Command) => {
        const r = await client(cmd).call('DELETE', `/v1/acl/tokens/${seg(accessorId)}`);
        print(cmd, r, () => `deleted ${r.deleted}`);
      }),
    );
}

/**
 * Config reload (SIGHUP): what a running daemon can take from a new config without a
 * restart (log level, namespaces, services, registrations and their checks), and the
 * fields that need one, which the reload names in a warning and otherwise ignores.
 */
import type { AgentConfig } from '../config/types.js';

/** RELOADABLE_FIELDS are applied by a reload. */
export const RELOADABLE_FIELDS = ['logLevel', 'namespaces', 'services', 'registrations'] as const;

/** restartOnlyChanges names the fields that differ between two configs and need a restart to change. */
export function restartOnlyChanges(running: AgentConfig, next: AgentConfig): string[] {
  const out: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  for (const f of ['name', 'gossipAddr', 'httpAddr', 'dnsAddr', 'dataDir'] as const) {
    if (!same(running.node[f], next.node[f])) out.push(f === 'name' ? 'node' : f);
  }
  const top = ['cluster', 'join', 'preset', 'gossip', 'encryptKeys', 'gossipInsecure', 'tls', 'dns', 'health', 'http', 'recover'] as const;
  for (const f of top) if (!same(running[f], next[f])) out.push(f === 'gossipInsecure' ? 'gossip.insecure' : f);
  // Config fields another part of the daemon may add later are compared too, so none is silently ignored.
  const known = new Set<string>([...top, ...RELOADABLE_FIELDS, 'node', 'nodes', 'configFile']);
  const r = running as unknown as Record<string, unknown>;
  const n = next as unknown as Record<string, unknown>;
  for (const f of new Set([...Object.keys(r), ...Object.keys(n)])) if (!known.has(f) && !same(r[f], n[f])) out.push(f);
  return out;
}

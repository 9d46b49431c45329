/**
 * Loading the daemon's configuration: the JSON config file (optional), then flags,
 * then defaults. Anything unknown or malformed stops the daemon with the field's
 * name, because a daemon that silently ignores a typo runs with the wrong settings.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join as joinPath } from 'node:path';
import { GrapevineError, invalid } from '../core/errors.js';
import {
  asObject,
  optInt,
  validateAttributes,
  validateInstanceId,
  validateNamespaceBody,
  validateNamespaceName,
  validateServiceBody,
  validateServiceName,
  type Obj,
} from '../core/validate.js';
import { LOG_LEVELS, type LogLevel } from '../obs/logger.js';
import { parseHostPort } from './addr.js';
import { GOSSIP_PRESETS, gossipInsecure, resolveGossipConfig, type GossipPreset } from './gossip.js';
import { readOpenFilesSoftLimit, resolveHttpLimits, validateHttpConfig } from './http.js';
import { checkGossipSecurity, loadTlsMaterial, validateTlsConfig } from './tls.js';
import { checkHttpsSettings, resolveAclConfig, resolveLimitsConfig, validateVerifyIncoming } from './security.js';
import type { AgentConfig, AgentFlags, NamespaceDef, NodeEntry, RegistrationDef, ServiceDef } from './types.js';

/** DEFAULT_HTTP_ADDR is where the API listens when nothing says otherwise (Consul's port). */
export const DEFAULT_HTTP_ADDR = '127.0.0.1:8500';
/** DEFAULT_GOSSIP_ADDR is where gossip listens when nothing says otherwise (Serf's LAN port). */
export const DEFAULT_GOSSIP_ADDR = '127.0.0.1:7946';
/** MAX_CONFIG_BYTES bounds the config file. */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

const TOP_FIELDS = ['cluster', 'advertiseAddr', 'advertiseHttpAddr', 'nodes', 'join', 'preset', 'gossip', 'encryptKeys', 'dns', 'health', 'http', 'httpsAddr', 'verifyIncoming', 'tls', 'acl', 'limits', 'logLevel', 'recover', 'namespaces', 'services', 'registrations'];
const NODE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

function list(v: unknown, field: string, max: number): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw invalid(field, 'must be a list');
  if (v.length > max) throw invalid(field, `at most ${max} entries`);
  return v;
}

function str(v: unknown, field: string, max = 4096): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw invalid(field, `must be a non-empty string of at most ${max} characters`);
  return v;
}

/** validateNodeName checks a daemon name: it shows up in records and in DNS-safe places. */
export function validateNodeName(v: unknown, field: string): string {
  if (typeof v !== 'string' || !NODE_NAME.test(v)) throw invalid(field, 'must be 1-63 characters of a-z, A-Z, 0-9, ".", "_", "-", starting with a letter or digit');
  return v;
}

/** rethrowAs prefixes a validation error with the config path of the entry it came from. */
function rethrowAs<T>(field: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof GrapevineError) throw invalid(field, e.message);
    throw e;
  }
}

function parseNode(v: unknown, i: number): NodeEntry {
  const f = `nodes[${i}]`;
  const o = asObject(v, f, ['name', 'gossipAddr', 'httpAddr', 'dnsAddr', 'httpsAddr', 'dataDir']);
  const n: NodeEntry = {
    name: validateNodeName(o.name, `${f}.name`),
    gossipAddr: str(o.gossipAddr, `${f}.gossipAddr`),
    httpAddr: str(o.httpAddr, `${f}.httpAddr`),
    dataDir: str(o.dataDir, `${f}.dataDir`),
  };
  parseHostPort(n.gossipAddr, `${f}.gossipAddr`);
  parseHostPort(n.httpAddr, `${f}.httpAddr`);
  if (o.dnsAddr !== undefined) n.dnsAddr = parseHostPort(o.dnsAddr, `${f}.dnsAddr`) && (o.dnsAddr as string);
  if (o.httpsAddr !== undefined) n.httpsAddr = parseHostPort(o.httpsAddr, `${f}.httpsAddr`) && (o.httpsAddr as string);
  return n;
}

/** checkEncryptKey throws InvalidInput naming `field` unless k is a base64 AES-256 key. */
function checkEncryptKey(k: unknown, field: string): void {
  if (typeof k !== 'string' || !/^[A-Za-z0-9+/]{43}=$/.test(k) || Buffer.from(k, 'base64').length !== 32) {
    throw invalid(field, 'must be a base64-encoded 32-byte (AES-256) key');
  }
}

/** parseAdvertised checks an advertised address: host:port, never the wildcard (peers cannot dial 0.0.0.0 or ::). */
function parseAdvertised(v: unknown, field: string): string {
  const a = parseHostPort(v, field);
  if (a.host === '0.0.0.0' || a.host === '::' || a.port === 0) throw invalid(field, `${String(v)} cannot be advertised: give an address and port other hosts can reach`);
  return v as string;
}

/**
 * parseConfigObject validates a parsed config file and returns its parts; `node`
 * resolution and flags happen in resolveAgentConfig.
 */
export function parseConfigObject(raw: unknown): Obj & { nodesList: NodeEntry[] } {
  const o = asObject(raw, '', TOP_FIELDS);
  if (o.cluster !== undefined) str(o.cluster, 'cluster', 128);
  const nodesList = list(o.nodes, 'nodes', 1000).map(parseNode);
  const seen = new Set<string>();
  for (const [i, n] of nodesList.entries()) {
    if (seen.has(n.name)) throw invalid(`nodes[${i}].name`, `duplicate node name ${n.name}`);
    seen.add(n.name);
  }
  list(o.join, 'join', 100).forEach((j, i) => {
    parseHostPort(j, `join[${i}]`);
  });
  if (o.advertiseAddr !== undefined) parseAdvertised(o.advertiseAddr, 'advertiseAddr');
  if (o.advertiseHttpAddr !== undefined) parseAdvertised(o.advertiseHttpAddr, 'advertiseHttpAddr');
  if (o.preset !== undefined && !(typeof o.preset === 'string' && o.preset in GOSSIP_PRESETS)) throw invalid('preset', `must be one of ${Object.keys(GOSSIP_PRESETS).join(', ')}`);
  resolveGossipConfig((o.preset as GossipPreset | undefined) ?? 'lan', o.gossip);
  list(o.encryptKeys, 'encryptKeys', 16).forEach((k, i) => {
    checkEncryptKey(k, `encryptKeys[${i}]`);
  });
  if (o.dns !== undefined) {
    const d = asObject(o.dns, 'dns', ['recursors', 'recursorTimeoutMs']);
    list(d.recursors, 'dns.recursors', 16).forEach((r, i) => {
      parseHostPort(r, `dns.recursors[${i}]`);
    });
    optInt(d, 'recursorTimeoutMs', 'dns.recursorTimeoutMs', 10, 60_000);
  }
  if (o.health !== undefined) {
    const h = asObject(o.health, 'health', ['maxConcurrentChecks']);
    optInt(h, 'maxConcurrentChecks', 'health.maxConcurrentChecks', 1, 100_000);
  }
  validateHttpConfig(o.http);
  validateTlsConfig(o.tls);
  if (o.httpsAddr !== undefined) parseHostPort(o.httpsAddr, 'httpsAddr');
  validateVerifyIncoming(o.verifyIncoming);
  resolveAclConfig(o.acl);
  resolveLimitsConfig(o.limits);
  if (o.recover !== undefined && typeof o.recover !== 'boolean') throw invalid('recover', 'must be true or false');
  if (o.logLevel !== undefined && !LOG_LEVELS.includes(o.logLevel as LogLevel)) throw invalid('logLevel', `must be one of ${LOG_LEVELS.join(', ')}`);
  const nsTypes = new Map<string, 'DNS' | 'HTTP'>();
  list(o.namespaces, 'namespaces', 10_000).forEach((v, i) => {
    const f = `namespaces[${i}]`;
    const d = asObject(v, f, ['name', 'type', 'description', 'soaTtl']);
    const name = validateNamespaceName(d.name, `${f}.name`);
    const { name: _n, ...body } = d;
    nsTypes.set(name, validateNamespaceBody(body, f).type);
  });
  list(o.services, 'services', 100_000).forEach((v, i) => {
    const f = `services[${i}]`;
    const d = asObject(v, f, ['namespace', 'name', 'description', 'dns', 'healthCheck', 'deregisterAfterUnhealthyMs']);
    const ns = validateNamespaceName(d.namespace, `${f}.namespace`);
    validateServiceName(d.name, `${f}.name`);
    const { namespace: _ns, name: _n, ...body } = d;
    const t = nsTypes.get(ns);
    if (t) validateServiceBody(body, t, f);
  });
  list(o.registrations, 'registrations', 100_000).forEach((v, i) => {
    const f = `registrations[${i}]`;
    const d = asObject(v, f, ['namespace', 'service', 'id', 'attributes', 'healthCheck', 'node']);
    validateNamespaceName(d.namespace, `${f}.namespace`);
    validateServiceName(d.service, `${f}.service`);
    validateInstanceId(d.id, `${f}.id`);
    validateAttributes(d.attributes, `${f}.attributes`);
    if (d.node !== undefined) {
      validateNodeName(d.node, `${f}.node`);
      if (nodesList.length > 0 && !seen.has(d.node as string)) throw invalid(`${f}.node`, `${d.node} is not in nodes`);
    }
  });
  return { ...o, nodesList };
}

/** readConfigFile reads and validates a JSON config file; errors name the file and the field. */
export function readConfigFile(path: string): Obj & { nodesList: NodeEntry[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw invalid('--config', `cannot read ${path}: ${(e as Error).message}`);
  }
  if (text.length > MAX_CONFIG_BYTES) throw invalid('--config', `${path} is larger than ${MAX_CONFIG_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw invalid('--config', `${path} is not valid JSON: ${(e as Error).message}`);
  }
  return rethrowAs(path, () => parseConfigObject(raw));
}

/**
 * resolveAgentConfig merges the config file (if `flags.config`), the flags and the
 * defaults into one daemon's AgentConfig. With a file listing several nodes,
 * `--node` picks one; with flags only, every field has a default. `openFilesLimit`
 * (the soft `ulimit -n`) sets the default HTTP connection cap.
 */
export function resolveAgentConfig(flags: AgentFlags, openFilesLimit = readOpenFilesSoftLimit()): AgentConfig {
  const file = flags.config ? readConfigFile(flags.config) : { nodesList: [] as NodeEntry[] };
  const f = file as Obj & { nodesList: NodeEntry[] };
  const nodes = f.nodesList;
  let entry: NodeEntry | undefined;
  if (flags.node !== undefined) {
    validateNodeName(flags.node, '--node');
    entry = nodes.find((n) => n.name === flags.node);
    if (!entry && nodes.length > 0) throw invalid('--node', `${flags.node} is not in the nodes of ${flags.config} (${nodes.map((n) => n.name).join(', ')})`);
  } else if (nodes.length === 1) {
    entry = nodes[0];
  } else if (nodes.length > 1) {
    throw invalid('--node', `is required: ${flags.config} lists ${nodes.length} nodes`);
  }
  const name = entry?.name ?? flags.node ?? validateNodeName(hostname().split('.')[0]!.replace(/[^a-zA-Z0-9_.-]/g, '-'), 'hostname');
  const node: AgentConfig['node'] = {
    name,
    gossipAddr: flags.gossipAddr ?? entry?.gossipAddr ?? DEFAULT_GOSSIP_ADDR,
    httpAddr: flags.httpAddr ?? entry?.httpAddr ?? DEFAULT_HTTP_ADDR,
    dataDir: flags.dataDir ?? entry?.dataDir ?? joinPath('data', name),
  };
  const dnsAddr = flags.dnsAddr ?? entry?.dnsAddr;
  if (dnsAddr !== undefined) node.dnsAddr = dnsAddr;
  const httpsAddr = entry?.httpsAddr ?? (f.httpsAddr as string | undefined);
  if (httpsAddr !== undefined) node.httpsAddr = httpsAddr;
  const verifyIncoming = validateVerifyIncoming(f.verifyIncoming);
  checkHttpsSettings(httpsAddr, f.tls !== undefined, verifyIncoming);
  const gossipHost = parseHostPort(node.gossipAddr, '--gossip-addr').host;
  parseHostPort(node.httpAddr, '--http-addr');
  if (node.dnsAddr !== undefined) parseHostPort(node.dnsAddr, '--dns-addr');
  const join = flags.join && flags.join.length > 0 ? flags.join : ((f.join as string[] | undefined) ?? []);
  join.forEach((j, i) => {
    parseHostPort(j, `--join[${i}]`);
  });
  const presetRaw = flags.preset ?? (f.preset as string | undefined) ?? 'lan';
  if (!(presetRaw in GOSSIP_PRESETS)) throw invalid(flags.preset ? '--preset' : 'preset', `must be one of ${Object.keys(GOSSIP_PRESETS).join(', ')}`);
  const preset = presetRaw as GossipPreset;
  const logLevel = (flags.logLevel ?? f.logLevel ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw invalid('--log-level', `must be one of ${LOG_LEVELS.join(', ')}`);
  const dns = (f.dns ?? {}) as { recursors?: string[]; recursorTimeoutMs?: number };
  const health = (f.health ?? {}) as { maxConcurrentChecks?: number };
  const defaultOwner = nodes[0]?.name ?? name;
  const registrations = ((f.registrations as RegistrationDef[] | undefined) ?? []).filter((r) => (r.node ?? defaultOwner) === name);
  const out: AgentConfig = {
    cluster: flags.cluster ?? (f.cluster as string | undefined) ?? 'grapevine',
    node,
    nodes,
    join,
    preset,
    gossip: resolveGossipConfig(preset, f.gossip),
    encryptKeys: flags.encryptKey && flags.encryptKey.length > 0 ? flags.encryptKey : ((f.encryptKeys as string[] | undefined) ?? []),
    gossipInsecure: gossipInsecure(f.gossip),
    dns: { recursors: dns.recursors ?? [], recursorTimeoutMs: dns.recursorTimeoutMs ?? 2000 },
    health: { maxConcurrentChecks: health.maxConcurrentChecks ?? 64 },
    http: resolveHttpLimits(f.http, openFilesLimit),
    verifyIncoming,
    acl: resolveAclConfig(f.acl),
    limits: resolveLimitsConfig(f.limits),
    logLevel,
    recover: flags.recover === false ? false : ((f.recover as boolean | undefined) ?? true),
    namespaces: (f.namespaces as NamespaceDef[] | undefined) ?? [],
    services: (f.services as ServiceDef[] | undefined) ?? [],
    registrations,
  };
  if (flags.config) out.configFile = flags.config;
  if (flags.cluster !== undefined && (flags.cluster.length === 0 || flags.cluster.length > 128)) throw invalid('--cluster', 'must be 1 to 128 characters');
  (flags.encryptKey ?? []).forEach((k, i) => {
    checkEncryptKey(k, `--encrypt-key[${i}]`);
  });
  const advertise = flags.advertise ?? (f.advertiseAddr as string | undefined);
  if (advertise !== undefined) out.advertiseAddr = parseAdvertised(advertise, flags.advertise !== undefined ? '--advertise' : 'advertiseAddr');
  if (f.advertiseHttpAddr !== undefined) out.advertiseHttpAddr = f.advertiseHttpAddr as string;
  checkGossipSecurity(gossipHost, out.encryptKeys, out.gossipInsecure);
  const tlsFiles = validateTlsConfig(f.tls);
  if (tlsFiles) out.tls = loadTlsMaterial(tlsFiles, name);
  return out;
}

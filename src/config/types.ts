import type { GossipConfig, GossipPreset } from './gossip.js';
import type { LogLevel } from '../obs/logger.js';
import type { HttpLimits } from './http.js';
import type { TlsMaterial } from './tls.js';
import type { AclConfig, LimitsConfig } from './security.js';

/** NodeEntry is one node of a config file's `nodes` list, as written there. */
export interface NodeEntry {
  name: string;
  gossipAddr: string;
  httpAddr: string;
  /** dnsAddr is where the node answers DNS; absent means no DNS server. */
  dnsAddr?: string;
  /** httpsAddr is where the node serves the API over TLS (needs tls.certFile and tls.keyFile); absent means no HTTPS. */
  httpsAddr?: string;
  dataDir: string;
}

/** NamespaceDef declares a namespace in the config file (same fields as PUT /v1/namespaces/{ns}, plus name). */
export interface NamespaceDef {
  name: string;
  type: 'DNS' | 'HTTP';
  description?: string;
  soaTtl?: number;
}

/** ServiceDef declares a service in the config file (same fields as the service PUT body, plus namespace and name). */
export interface ServiceDef {
  namespace: string;
  name: string;
  description?: string;
  dns?: unknown;
  healthCheck?: unknown;
  deregisterAfterUnhealthyMs?: number;
}

/**
 * RegistrationDef declares an instance in the config file, like Consul's service
 * definitions. `node` names the daemon that registers and owns it; by default the
 * first entry of `nodes` (or the only daemon, when there is no `nodes` list).
 */
export interface RegistrationDef {
  namespace: string;
  service: string;
  id: string;
  attributes?: Record<string, string>;
  healthCheck?: unknown;
  node?: string;
}

/** AgentConfig is the fully resolved configuration of one daemon: file, flags and defaults merged. */
export interface AgentConfig {
  cluster: string;
  /** advertiseAddr is the gossip address peers dial (config `advertiseAddr`, flag `--advertise`); absent: gossipAddr, or the host's first non-loopback address when gossipAddr is a wildcard. */
  advertiseAddr?: string;
  /** advertiseHttpAddr is the HTTP address shown to others (config `advertiseHttpAddr`); absent: httpAddr, with the same wildcard rule. */
  advertiseHttpAddr?: string;
  /** node is this daemon's own entry, after flag overrides. */
  node: Required<Omit<NodeEntry, 'dnsAddr' | 'httpsAddr'>> & { dnsAddr?: string; httpsAddr?: string };
  /** nodes is the config file's whole list (empty when started from flags only). */
  nodes: NodeEntry[];
  /** join lists "host:port" gossip addresses to join at start. */
  join: string[];
  preset: GossipPreset;
  gossip: GossipConfig;
  /** encryptKeys are base64 AES-256 keys; the first encrypts, all are tried to decrypt (key rotation). */
  encryptKeys: string[];
  /** gossipInsecure (`gossip.insecure: true`) allows unencrypted gossip on an address other hosts can reach; the daemon warns at every start. */
  gossipInsecure: boolean;
  /** tls holds the cluster CA and this node's certificate and key (PEM, read at start): with it, gossip runs over mutual TLS (wss), and the HTTPS API (httpsAddr) uses them too. */
  tls?: TlsMaterial;
  dns: { recursors: string[]; recursorTimeoutMs: number };
  health: { maxConcurrentChecks: number };
  /** http holds the API's connection cap, request-read timeout and CORS origins. */
  http: HttpLimits;
  /** verifyIncoming makes the HTTPS API require a client certificate signed by tls.caFile. */
  verifyIncoming: boolean;
  /** acl holds the ACL switch, default policy and configured tokens. */
  acl: AclConfig;
  /** limits holds the per-client HTTP and DNS rate limits. */
  limits: LimitsConfig;
  logLevel: LogLevel;
  /** recover repairs or moves aside a damaged store at start-up; false (`--no-recover`) exits with code 6 instead. */
  recover: boolean;
  namespaces: NamespaceDef[];
  services: ServiceDef[];
  /** registrations holds only the registrations this node owns. */
  registrations: RegistrationDef[];
  /** configFile is the path the config was read from, if any. */
  configFile?: string;
}

/** AgentFlags are the `grapevine agent` command-line flags; each overrides the config file. */
export interface AgentFlags {
  config?: string;
  node?: string;
  dataDir?: string;
  gossipAddr?: string;
  httpAddr?: string;
  dnsAddr?: string;
  join?: string[];
  logLevel?: string;
  preset?: string;
  /** cluster overrides the config's cluster name. */
  cluster?: string;
  /** advertise is the gossip address to advertise (`--advertise`). */
  advertise?: string;
  /** encryptKey lists base64 gossip keys (`--encrypt-key`, repeatable); they replace the config's encryptKeys. */
  encryptKey?: string[];
  /** dev runs one throwaway node for trying things out (`--dev`). */
  dev?: boolean;
  /** recover is false with `--no-recover`; commander leaves it true otherwise, so only false overrides the file. */
  recover?: boolean;
}

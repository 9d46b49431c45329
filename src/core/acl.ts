/**
 * ACL tokens and rules (pure). A token carries rules; a rule grants deny, read or write
 * on a namespace (by name or prefix), a service (by name or prefix, in any namespace),
 * `agent` (leave, metrics) or `acl` (token management). The most specific rule wins:
 * a service rule over a namespace rule, an exact name over a prefix, a longer prefix
 * over a shorter one; without a match the default policy applies.
 */
import { invalid } from './errors.js';
import { asObject, optString } from './validate.js';

/** AclAccess is what a rule grants, in rising order. */
export type AclAccess = 'deny' | 'read' | 'write';
/** AclResource is what a rule is about. */
export type AclResource = 'namespace' | 'service' | 'agent' | 'acl';
/** AclPolicy is acl.defaultPolicy: what a request may do that no rule speaks of. */
export type AclPolicy = 'allow' | 'deny';

/** AclRule is one rule of a token; `name` is required for namespace and service rules. */
export interface AclRule {
  resource: AclResource;
  name?: string;
  /** prefix makes `name` match every name that starts with it. */
  prefix?: boolean;
  access: AclAccess;
}

/**
 * TokenValue is the stored (and replicated) body of an ACL token. The secret is kept
 * only as its SHA-256 (hex). An optional AWS-style access key pair lets the AWS SDKs
 * sign Cloud Map calls (SigV4); its secret is stored as is, because verifying an HMAC
 * signature takes the key itself, not a hash of it.
 */
export interface TokenValue {
  accessorId: string;
  secretHash: string;
  description: string;
  rules: AclRule[];
  createdAtMs: number;
  /** awsAccessKeyId and awsSecretAccessKey come together or not at all. */
  awsAccessKeyId?: string;
  awsSecretAccessKey?: string;
}

/** MAX_RULES bounds the rules of one token (authorization scans prefix rules). */
export const MAX_RULES = 64;
/** MAX_RULE_NAME_CHARS bounds a rule's name or prefix. */
export const MAX_RULE_NAME_CHARS = 256;
/** ACCESSOR_ID matches an accessor id: a UUID. */
export const ACCESSOR_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** AWS_ACCESS_KEY_ID matches a token's access key id: 20 upper-case letters and digits, as AWS's. */
export const AWS_ACCESS_KEY_ID = /^[A-Z0-9]{20}$/;
/** AWS_SECRET_ACCESS_KEY matches a token's secret access key: 40 base64 characters, as AWS's. */
export const AWS_SECRET_ACCESS_KEY = /^[A-Za-z0-9+/]{40}$/;
/** SECRET_HASH matches a stored secret hash: SHA-256 in lower-case hex. */
export const SECRET_HASH = /^[0-9a-f]{64}$/;

const LEVEL: Record<AclAccess, number> = { deny: 0, read: 1, write: 2 };
const RESOURCES: readonly AclResource[] = ['namespace', 'service', 'agent', 'acl'];
const ACCESSES: readonly AclAccess[] = ['deny', 'read', 'write'];

/** validateRules checks a token's rules as API input, naming the bad field. */
export function validateRules(raw: unknown, field = 'rules'): AclRule[] {
  if (!Array.isArray(raw)) throw invalid(field, 'must be a list of rules');
  if (raw.length > MAX_RULES) throw invalid(field, `at most ${MAX_RULES} rules`);
  return raw.map((r, i) => {
    const f = `${field}[${i}]`;
    const o = asObject(r, f, ['resource', 'name', 'prefix', 'access']);
    if (!RESOURCES.includes(o.resource as AclResource)) throw invalid(`${f}.resource`, `must be one of ${RESOURCES.join(', ')}`);
    if (!ACCESSES.includes(o.access as AclAccess)) throw invalid(`${f}.access`, `must be one of ${ACCESSES.join(', ')}`);
    const out: AclRule = { resource: o.resource as AclResource, access: o.access as AclAccess };
    const scoped = out.resource === 'namespace' || out.resource === 'service';
    const name = optString(o, 'name', `${f}.name`, MAX_RULE_NAME_CHARS);
    if (scoped && name === undefined) throw invalid(`${f}.name`, `is required for ${out.resource} rules (use prefix: true with "" for all)`);
    if (!scoped && (name !== undefined || o.prefix !== undefined)) throw invalid(`${f}.name`, `${out.resource} rules take no name or prefix`);
    if (o.prefix !== undefined && typeof o.prefix !== 'boolean') throw invalid(`${f}.prefix`, 'must be true or false');
    if (name !== undefined) out.name = name;
    if (o.prefix === true) out.prefix = true;
    if (name === '' && !out.prefix) throw invalid(`${f}.name`, 'must not be empty unless prefix is true');
    return out;
  });
}

/** MIN_SECRET_CHARS is the shortest secret a client may choose (POST /v1/acl/tokens with secretId). */
export const MIN_SECRET_CHARS = 16;

/** TokenBody is a checked POST /v1/acl/tokens body; awsAccessKey asks for an AWS access key pair too. */
export interface TokenBody {
  description: string;
  rules: AclRule[];
  secretId?: string;
  awsAccessKey: boolean;
}

/**
 * validateTokenBody checks the body of POST /v1/acl/tokens: rules, an optional
 * description, and an optional secretId chosen by the client (as Consul allows: to
 * give a token a secret already configured elsewhere, such as acl.dnsToken).
 */
export function validateTokenBody(raw: unknown): TokenBody {
  const o = asObject(raw ?? {}, 'body', ['description', 'rules', 'secretId', 'awsAccessKey']);
  const out: TokenBody = { description: optString(o, 'description', 'description', 1024) ?? '', rules: validateRules(o.rules), awsAccessKey: false };
  if (o.awsAccessKey !== undefined && typeof o.awsAccessKey !== 'boolean') throw invalid('awsAccessKey', 'must be true or false');
  out.awsAccessKey = o.awsAccessKey === true;
  const secretId = optString(o, 'secretId', 'secretId', 256);
  if (secretId !== undefined) {
    if (secretId.length < MIN_SECRET_CHARS || !/^[!-~]+$/.test(secretId)) throw invalid('secretId', `must be ${MIN_SECRET_CHARS}-256 printable ASCII characters without spaces`);
    out.secretId = secretId;
  }
  return out;
}

/** Scope resolves one resource kind's rules: exact names by map, prefixes longest first. */
class Scope {
  private readonly exact = new Map<string, number>();
  private readonly prefixes: { prefix: string; level: number }[] = [];

  constructor(rules: readonly AclRule[], resource: AclResource) {
    for (const r of rules) {
      if (r.resource !== resource) continue;
      if (r.prefix) this.prefixes.push({ prefix: r.name ?? '', level: LEVEL[r.access] });
      // Two exact rules for one name: the stricter wins, so a mistake never widens access.
      else this.exact.set(r.name!, Math.min(this.exact.get(r.name!) ?? 2, LEVEL[r.access]));
    }
    this.prefixes.sort((a, b) => b.prefix.length - a.prefix.length || a.level - b.level);
  }

  /** level returns the access level of the most specific matching rule, or -1 when none matches. */
  level(name: string): number {
    const e = this.exact.get(name);
    if (e !== undefined) return e;
    const p = this.prefixes;
    for (let i = 0; i < p.length; i++) if (name.startsWith(p[i]!.prefix)) return p[i]!.level;
    return -1;
  }
}

/**
 * Authorizer answers what one token may do. It is built once per token (and cached
 * by the resolver), and each check is a map lookup plus a scan of at most MAX_RULES
 * prefixes, with no allocation.
 */
export class Authorizer {
  private readonly namespaces: Scope;
  private readonly services: Scope;
  private readonly agentLevel: number;
  private readonly aclLevel: number;
  private readonly defaultLevel: number;

  constructor(
    rules: readonly AclRule[],
    policy: AclPolicy,
    /** management grants write on everything (acl.initialManagementToken, or ACLs off). */
    readonly management = false,
  ) {
    this.defaultLevel = management || policy === 'allow' ? 2 : 0;
    this.namespaces = new Scope(rules, 'namespace');
    this.services = new Scope(rules, 'service');
    const last = (res: AclResource, dflt: number) => {
      let l = -1;
      for (const r of rules) if (r.resource === res) l = l < 0 ? LEVEL[r.access] : Math.min(l, LEVEL[r.access]);
      return management ? 2 : l >= 0 ? l : dflt;
    };
    this.agentLevel = last('agent', this.defaultLevel);
    // Token management is never granted by the default policy: under "allow" too, it takes a rule.
    this.aclLevel = last('acl', 0);
  }

  /** namespace says whether the token may read (or write) a namespace as a whole. */
  namespace(ns: string, access: 'read' | 'write'): boolean {
    if (this.management) return true;
    const l = this.namespaces.level(ns);
    return (l >= 0 ? l : this.defaultLevel) >= LEVEL[access];
  }

  /** service says whether the token may read (or write) a service and its instances; a service rule beats a namespace rule. */
  service(ns: string, svc: string, access: 'read' | 'write'): boolean {
    if (this.management) return true;
    const l = this.services.level(svc);
    if (l >= 0) return l >= LEVEL[access];
    return this.namespace(ns, access);
  }

  /** namespaceVisible says whether a namespace shows up in lists: it must be readable as a whole. */
  namespaceVisible(ns: string): boolean {
    return this.namespace(ns, 'read');
  }

  /** agent says whether the token may use agent endpoints (leave needs write, metrics read). */
  agent(access: 'read' | 'write'): boolean {
    return this.agentLevel >= LEVEL[access];
  }

  /** acl says whether the token may list (read) or create and delete (write) tokens. */
  acl(access: 'read' | 'write'): boolean {
    return this.aclLevel >= LEVEL[access];
  }
}

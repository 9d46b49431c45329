/**
 * Resolving a request's ACL token: the secret from `Authorization: Bearer` or
 * `X-Grapevine-Token`, hashed (SHA-256) and looked up among the replicated tokens, or
 * the configured initial management token. Resolved secrets are cached until a token
 * changes, so a request with a known token costs one header read and one map lookup.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Authorizer, type AclPolicy, type TokenValue } from '../core/acl.js';
import { GrapevineError } from '../core/errors.js';
import type { Registry } from '../core/registry.js';
import { parseSigV4, SigV4Error, verifySigV4, type SigV4Request } from './sigv4.js';

/** Identity is who a request acts as: the token's accessor id and what it may do. */
export interface Identity {
  accessorId: string;
  authz: Authorizer;
}

/** AclSettings are the resolver's inputs (config `acl`). */
export interface AclSettings {
  enabled: boolean;
  defaultPolicy: AclPolicy;
  initialManagementToken?: string;
  dnsToken?: string;
}

/** ANONYMOUS_ACCESSOR is the accessor id of requests without a token. */
export const ANONYMOUS_ACCESSOR = 'anonymous';
/** MANAGEMENT_ACCESSOR is the accessor id of acl.initialManagementToken. */
export const MANAGEMENT_ACCESSOR = 'initial-management';
/** MAX_CACHED_SECRETS bounds the resolver's cache; it starts over when full. */
export const MAX_CACHED_SECRETS = 10_000;

/** hashSecret is the stored form of a token secret: SHA-256, lower-case hex. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** newTokenIds makes a fresh accessor id and secret (UUIDs from the system's CSPRNG). */
export function newTokenIds(): { accessorId: string; secretId: string } {
  return { accessorId: randomUUID(), secretId: randomUUID() };
}

/** newAwsKeyPair makes an AWS-style access key pair: a 20-character key id (GVAK + 16 base-32 characters) and a 40-character secret. */
export function newAwsKeyPair(): { awsAccessKeyId: string; awsSecretAccessKey: string } {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let id = 'GVAK';
  for (const b of randomBytes(16)) id += alphabet[b & 31];
  return { awsAccessKeyId: id, awsSecretAccessKey: randomBytes(30).toString('base64') };
}

/** AccessKeyIdentity is a token found by its AWS access key id: who it is, and the secret that signs its requests. */
export interface AccessKeyIdentity {
  identity: Identity;
  secretAccessKey: string;
}

/**
 * rawHeader finds a header in a request's raw header list by its lower-case name.
 * Reading `req.headers` makes Node build the whole header object, which the GET hot
 * path otherwise never pays for; this compares in place.
 */
export function rawHeader(raw: readonly string[], lowerName: string): string | undefined {
  const n = lowerName.length;
  outer: for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!;
    if (k.length !== n) continue;
    for (let j = 0; j < n; j++) if ((k.charCodeAt(j) | 0x20) !== lowerName.charCodeAt(j) && k.charCodeAt(j) !== lowerName.charCodeAt(j)) continue outer;
    return raw[i + 1];
  }
  return undefined;
}

/** tokenFromHeaders reads the secret a request carries (X-Grapevine-Token, else Authorization: Bearer), or undefined. */
export function tokenFromHeaders(raw: readonly string[]): string | undefined {
  const x = rawHeader(raw, 'x-grapevine-token');
  if (x !== undefined && x !== '') return x;
  const a = rawHeader(raw, 'authorization');
  if (a !== undefined && a.length > 7 && a.charCodeAt(6) === 32 && a.slice(0, 6).toLowerCase() === 'bearer') return a.slice(7).trim();
  return undefined;
}

/** AclResolver turns secrets into identities against the registry's tokens. */
export class AclResolver {
  private readonly cache = new Map<string, Identity>();
  private cacheGen = -1;
  private readonly anonymous: Identity;
  private readonly managementHash: string | undefined;
  private readonly management: Identity = { accessorId: MANAGEMENT_ACCESSOR, authz: new Authorizer([], 'deny', true) };
  private dnsIdentity: Identity | undefined;
  private accessKeys = new Map<string, AccessKeyIdentity>();
  private accessKeysGen = -1;

  constructor(
    private readonly registry: Registry,
    /** settings are the `acl` config; with enabled false every request may do everything. */
    readonly settings: AclSettings,
  ) {
    this.anonymous = settings.enabled
      ? { accessorId: ANONYMOUS_ACCESSOR, authz: new Authorizer([], settings.defaultPolicy) }
      : { accessorId: ANONYMOUS_ACCESSOR, authz: new Authorizer([], 'allow', true) };
    this.managementHash = settings.initialManagementToken ? hashSecret(settings.initialManagementToken) : undefined;
  }

  /** resolve returns the identity of a secret (anonymous when undefined); an unknown secret is PermissionDenied. */
  resolve(secret: string | undefined): Identity {
    if (!this.settings.enabled || secret === undefined) return this.anonymous;
    const gen = this.registry.tokenGeneration;
    if (gen !== this.cacheGen || this.cache.size >= MAX_CACHED_SECRETS) {
      this.cache.clear();
      this.cacheGen = gen;
      this.dnsIdentity = undefined;
    }
    const hit = this.cache.get(secret);
    if (hit !== undefined) return hit;
    const id = this.lookup(hashSecret(secret));
    if (id === undefined) throw new GrapevineError('PermissionDenied', 'ACL token not found');
    this.cache.set(secret, id);
    return id;
  }

  /** dns returns the identity DNS answers with: acl.dnsToken's, or anonymous (also when that token does not exist). */
  dns(): Identity {
    if (!this.settings.enabled || this.settings.dnsToken === undefined) return this.anonymous;
    if (this.cacheGen !== this.registry.tokenGeneration) this.dnsIdentity = undefined;
    if (this.dnsIdentity === undefined) {
      try {
        this.dnsIdentity = this.resolve(this.settings.dnsToken);
      } catch {
        this.dnsIdentity = this.anonymous;
      }
    }
    return this.dnsIdentity;
  }

  /**
   * byAccessKey returns the token whose AWS access key id is `id`, or undefined. The
   * index is rebuilt (one pass over the tokens) only when a token changes.
   */
  byAccessKey(id: string): AccessKeyIdentity | undefined {
    const gen = this.registry.tokenGeneration;
    if (gen !== this.accessKeysGen) {
      this.accessKeys = new Map();
      this.accessKeysGen = gen;
      for (const t of this.registry.tokens()) if (t.awsAccessKeyId !== undefined && t.awsSecretAccessKey !== undefined) this.accessKeys.set(t.awsAccessKeyId, this.keyIdentity(t));
    }
    return this.accessKeys.get(id);
  }

  /**
   * resolveSigned returns the identity of a SigV4-signed request: the token that owns
   * the access key in its credential, once the signature checks out with that token's
   * secret access key. An unknown key is UnrecognizedClientException, a bad signature
   * InvalidSignatureException (both SigV4Error).
   */
  resolveSigned(r: SigV4Request, authorization: string, nowMs: number): Identity {
    const auth = parseSigV4(authorization);
    const key = this.byAccessKey(auth.accessKeyId);
    if (key === undefined) throw new SigV4Error('UnrecognizedClientException', 'The security token included in the request is invalid (unknown access key id)');
    verifySigV4(r, auth, key.secretAccessKey, nowMs);
    return key.identity;
  }

  private keyIdentity(t: TokenValue): AccessKeyIdentity {
    return { identity: { accessorId: t.accessorId, authz: new Authorizer(t.rules, this.settings.defaultPolicy) }, secretAccessKey: t.awsSecretAccessKey! };
  }

  private lookup(hash: string): Identity | undefined {
    if (hash === this.managementHash) return this.management;
    const t = this.registry.tokenBySecretHash(hash);
    return t ? { accessorId: t.accessorId, authz: new Authorizer(t.rules, this.settings.defaultPolicy) } : undefined;
  }
}

/**
 * DnsResponder turns one query packet into one response packet, from the registry,
 * with no I/O: the UDP and TCP servers (src/dns) only move bytes. Answers are cached
 * per (name, type) as encoded records; a cached answer stays valid while its
 * namespace's revision is unchanged, so answers change the moment the registry does.
 * The size limit (512, the EDNS0 size, or 65535 over TCP) is applied as the cached
 * records are copied into each message, so one cache entry serves every size.
 */
import type { Random } from '../gossip/types.js';
import type { Registry } from '../registry.js';
import { ViewCache, type ServiceSnapshot } from '../view-cache.js';
import { assemble, bareResponse, Scratch, type CachedAnswer, type HeaderBits } from './assemble.js';
import { buildAnswer, type ZoneOptions } from './zone.js';
import { CLASS_IN, errorResponse, ParsedQuery, parseQuery, QTYPE, RCODE } from './wire.js';

/** Transport says how a query arrived, which sets the size limit of its answer. */
export type Transport = 'udp' | 'tcp';

/** CLASSIC_UDP_LIMIT is the UDP message limit without EDNS0 (RFC 1035 §4.2.1). */
export const CLASSIC_UDP_LIMIT = 512;
/** TCP_LIMIT is the largest message a 16-bit TCP length prefix can carry (RFC 1035 §4.2.2). */
export const TCP_LIMIT = 65535;

/** DnsResponderOptions configure a responder; every field has a default. */
export interface DnsResponderOptions extends Partial<ZoneOptions> {
  /** maxUdpBytes caps the client's EDNS0 UDP size and is advertised in our OPT (default 4096). */
  maxUdpBytes?: number;
  /** maxCacheEntries bounds the answer cache by entry count (default 10,000). */
  maxCacheEntries?: number;
  /** maxCacheBytes bounds the answer cache by estimated bytes (default 32 MB). */
  maxCacheBytes?: number;
  /** allowNamespace says whether answers for a namespace may be given (ACLs: acl.dnsToken's read rights); REFUSED otherwise. */
  allowNamespace?: (ns: string) => boolean;
  /** forwardOutside makes names outside every DNS namespace return FORWARD instead of REFUSED. */
  forwardOutside?: boolean;
  /** viewCache is the per-service read cache shared with HTTP discovery; without one, the responder keeps its own. */
  viewCache?: ViewCache;
}

/** OWN_VIEW_CACHE_SERVICES bounds the view cache of a responder that was given none. */
const OWN_VIEW_CACHE_SERVICES = 1000;

/** FORWARD is what respond returns for a name outside every DNS namespace when a forwarder is configured. */
export const FORWARD = Symbol('forward');

/** DnsStats counts what the responder did, for metrics. */
export interface DnsStats {
  queries: number;
  cacheHits: number;
  cacheMisses: number;
  dropped: number;
  errors: number;
}

/** DnsResponder answers queries from a Registry; see the file comment. */
export class DnsResponder {
  private readonly cache = new Map<string, CachedAnswer>();
  private cacheBytes = 0;
  private readonly views: ViewCache;
  private readonly q = new ParsedQuery();
  private readonly scratch = new Scratch();
  private readonly zone: ZoneOptions;
  private readonly maxUdpBytes: number;
  private readonly maxCacheEntries: number;
  private readonly maxCacheBytes: number;
  private readonly forwardOutside: boolean;
  private readonly allowNamespace: ((ns: string) => boolean) | undefined;
  private readonly aaBits: HeaderBits;
  private readonly plainBits: HeaderBits;
  /** stats counts queries, cache hits and misses, drops and error answers. */
  readonly stats: DnsStats = { queries: 0, cacheHits: 0, cacheMisses: 0, dropped: 0, errors: 0 };

  constructor(
    private readonly registry: Registry,
    private readonly random: Random,
    opts: DnsResponderOptions = {},
  ) {
    this.zone = { nsLabel: opts.nsLabel ?? 'ns', nsIpv4: opts.nsIpv4, nsIpv6: opts.nsIpv6 };
    this.maxUdpBytes = opts.maxUdpBytes ?? 4096;
    this.maxCacheEntries = opts.maxCacheEntries ?? 10_000;
    this.maxCacheBytes = opts.maxCacheBytes ?? 32 * 1024 * 1024;
    this.forwardOutside = opts.forwardOutside ?? false;
    this.allowNamespace = opts.allowNamespace;
    this.views = opts.viewCache ?? new ViewCache(OWN_VIEW_CACHE_SERVICES);
    this.aaBits = { authoritative: true, recursionAvailable: this.forwardOutside, udpSize: this.maxUdpBytes };
    this.plainBits = { authoritative: false, recursionAvailable: this.forwardOutside, udpSize: this.maxUdpBytes };
  }

  /**
   * respond returns the response to one query packet, null to drop it (no readable
   * header, or not a query), or FORWARD when a forwarder should take it. It never
   * throws on any input.
   */
  respond(query: Uint8Array, transport: Transport): Buffer | null | typeof FORWARD {
    this.stats.queries++;
    const q = this.q;
    let outcome: ReturnType<typeof parseQuery>;
    try {
      outcome = parseQuery(query, q);
    } catch {
      outcome = 'formerr' as const;
    }
    switch (outcome) {
      case 'ok':
        break;
      case 'drop':
        this.stats.dropped++;
        return null;
      case 'formerr':
        this.stats.errors++;
        return errorResponse(query, RCODE.FORMERR);
      case 'notimp':
        this.stats.errors++;
        return errorResponse(query, RCODE.NOTIMP);
      case 'badvers':
        this.stats.errors++;
        return bareResponse(query, q, RCODE.BADVERS, this.plainBits);
    }
    if (q.qclass !== CLASS_IN) return bareResponse(query, q, RCODE.REFUSED, this.plainBits);
    // Zone transfers and the obsolete mailbox meta-types are not implemented.
    if (q.qtype === QTYPE.AXFR || q.qtype === QTYPE.IXFR || q.qtype === QTYPE.MAILA || q.qtype === QTYPE.MAILB) {
      return bareResponse(query, q, RCODE.NOTIMP, this.plainBits);
    }
    const limit =
      transport === 'tcp'
        ? TCP_LIMIT
        : q.hasEdns
          ? Math.min(this.maxUdpBytes, Math.max(CLASSIC_UDP_LIMIT, q.ednsUdpSize))
          : CLASSIC_UDP_LIMIT;
    let a = this.cache.get(q.key);
    if (a !== undefined && this.valid(a)) {
      this.stats.cacheHits++;
    } else {
      this.stats.cacheMisses++;
      if (a !== undefined) this.evict(q.key, a);
      try {
        a = buildAnswer(this.registry, query, q, this.zone, this.snapshotOf);
      } catch {
        // A broken invariant in the registry must not take DNS down with it.
        this.stats.errors++;
        return bareResponse(query, q, RCODE.SERVFAIL, this.plainBits);
      }
      if (a === undefined) {
        if (this.forwardOutside) return FORWARD;
        return bareResponse(query, q, RCODE.REFUSED, this.plainBits);
      }
      this.insert(q.key, a);
    }
    if (this.allowNamespace !== undefined && !this.allowNamespace(a.ns)) return bareResponse(query, q, RCODE.REFUSED, this.plainBits);
    return assemble(query, q, a, limit, this.random, this.aaBits, this.scratch);
  }

  /** cacheSize reports the number of cached answers, for tests and metrics. */
  get cacheSize(): number {
    return this.cache.size;
  }

  private valid(a: CachedAnswer): boolean {
    // Nothing at all changed since the last check: the common case between writes, one read.
    const now = this.registry.revision;
    if (a.checkedAt === now) return true;
    if (this.registry.namespaceRevision(a.ns) !== a.rev) return false;
    const g = a.guards;
    for (let i = 0; i < g.length; i++) if (this.registry.get(g[i].key) !== g[i].rec) return false;
    a.checkedAt = now;
    return true;
  }

  private insert(key: string, a: CachedAnswer): void {
    this.cache.set(key, a);
    this.cacheBytes += a.bytes;
    // First in, first out: the oldest entries are the likeliest to be stale anyway.
    while (this.cache.size > this.maxCacheEntries || this.cacheBytes > this.maxCacheBytes) {
      const oldest = this.cache.keys().next();
      if (oldest.done) break;
      this.evict(oldest.value, this.cache.get(oldest.value)!);
    }
  }

  private evict(key: string, a: CachedAnswer): void {
    this.cache.delete(key);
    this.cacheBytes -= a.bytes;
  }

  private readonly snapshotOf = (ns: string, svc: string): ServiceSnapshot => this.views.snapshot(this.registry, ns, svc);
}

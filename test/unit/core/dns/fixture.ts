/**
 * Shared helpers for the DNS core tests: a registry filled by applying records
 * directly, and a query helper that encodes with dns-packet, answers with a
 * DnsResponder and decodes the answer with dns-packet.
 */
import * as packet from 'dns-packet';
import { seededRandom, type Random } from '../../../../src/core/gossip/types.js';
import { healthKey, instanceKey, namespaceKey, serviceKey } from '../../../../src/core/keys.js';
import { Registry } from '../../../../src/core/registry.js';
import type { DnsRecordType, HealthStatus, NamespaceType, RoutingPolicy } from '../../../../src/core/types.js';
import { DnsResponder, FORWARD, type DnsResponderOptions, type Transport } from '../../../../src/core/dns/responder.js';

/** World is a registry plus a responder over it, and helpers to change the registry. */
export class World {
  readonly registry = new Registry();
  readonly responder: DnsResponder;
  private hlc = 1;
  constructor(opts: DnsResponderOptions = {}, random: Random = seededRandom(42)) {
    this.responder = new DnsResponder(this.registry, random, { nsIpv4: '127.0.0.53', ...opts });
  }
  put(key: string, value: unknown): void {
    const hlc = this.hlc++;
    this.registry.apply({ key, value, hlc, node: 'n1', seq: hlc });
  }
  namespace(name: string, type: NamespaceType = 'DNS', soaTtl = 15): this {
    this.put(namespaceKey(name), { name, type, description: '', soaTtl, createdAtMs: 0 });
    return this;
  }
  service(
    ns: string,
    name: string,
    records: { type: DnsRecordType; ttl: number }[] = [
      { type: 'A', ttl: 10 },
      { type: 'SRV', ttl: 10 },
    ],
    routingPolicy: RoutingPolicy = 'MULTIVALUE',
  ): this {
    this.put(serviceKey(ns, name), {
      namespace: ns,
      name,
      description: '',
      dns: { routingPolicy, records },
      healthCheck: null,
      createdAtMs: 0,
    });
    return this;
  }
  instance(ns: string, svc: string, id: string, attributes: Record<string, string>, extra: Record<string, unknown> = {}): this {
    this.put(instanceKey(ns, svc, id), { namespace: ns, service: svc, id, attributes, owner: 'n1', registeredAtMs: 0, ...extra });
    return this;
  }
  deregister(ns: string, svc: string, id: string): this {
    this.put(instanceKey(ns, svc, id), null);
    return this;
  }
  health(ns: string, svc: string, id: string, status: HealthStatus): this {
    this.put(healthKey(ns, svc, id), { status, reason: 'test', output: '', changedAtMs: 0, consecutiveSuccesses: 0, consecutiveFailures: 0 });
    return this;
  }
  /** ask sends one question and returns the raw and decoded answer (throws if dropped or forwarded). */
  ask(name: string, type: string, opts: QueryOpts = {}): Answer {
    const raw = this.askRaw(encodeQuery(name, type, opts), opts.transport ?? 'udp');
    if (raw === null || raw === FORWARD) throw new Error(`no answer for ${name} ${type}: ${String(raw)}`);
    return { raw, msg: packet.decode(raw) };
  }
  askRaw(query: Buffer, transport: Transport = 'udp'): Buffer | null | typeof FORWARD {
    return this.responder.respond(query, transport);
  }
}

/** QueryOpts shape a test query. */
export interface QueryOpts {
  id?: number;
  edns?: number;
  transport?: Transport;
  klass?: string;
}

/** Answer is the raw answer and its dns-packet decoding. */
export interface Answer {
  raw: Buffer;
  msg: packet.DecodedPacket;
}

/** encodeQuery builds a query with dns-packet, optionally with an EDNS0 OPT of the given UDP size. */
export function encodeQuery(name: string, type: string, opts: QueryOpts = {}): Buffer {
  return packet.encode({
    type: 'query',
    id: opts.id ?? 4242,
    flags: packet.RECURSION_DESIRED,
    questions: [{ type: type as packet.RecordType, name, class: (opts.klass ?? 'IN') as packet.RecordClass }],
    additionals: opts.edns ? [{ type: 'OPT', name: '.', udpPayloadSize: opts.edns } as unknown as packet.Answer] : [],
  });
}

/** rcodeOf returns the decoded answer's rcode name. */
export function rcodeOf(a: Answer): string {
  return (a.msg as unknown as { rcode: string }).rcode;
}

/** flag reports whether a header flag is set in the raw answer. */
export function flag(a: Answer, bit: number): boolean {
  return (a.raw.readUInt16BE(2) & bit) !== 0;
}

/** data lists the data of the answer records of one type. */
export function data(a: Answer, type: string, section: 'answers' | 'additionals' | 'authorities' = 'answers'): unknown[] {
  return (a.msg[section] ?? []).filter((r) => r.type === type).map((r) => (r as { data: unknown }).data);
}

/** webWorld is prod.internal with service `web` (A+AAAA+SRV, MULTIVALUE) and `n` healthy instances web-1..web-n. */
export function webWorld(n: number, opts: DnsResponderOptions = {}, random?: Random): World {
  const w = new World(opts, random);
  w.namespace('prod.internal').service('prod.internal', 'web', [
    { type: 'A', ttl: 30 },
    { type: 'AAAA', ttl: 40 },
    { type: 'SRV', ttl: 50 },
  ]);
  for (let i = 1; i <= n; i++) {
    w.instance('prod.internal', 'web', `web-${i}`, { ipv4: `10.0.${i >> 8}.${i & 255}`, ipv6: `fd00::${i.toString(16)}`, port: String(8000 + i) });
  }
  return w;
}

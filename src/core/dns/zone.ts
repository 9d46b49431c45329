/**
 * zone maps a question to a CachedAnswer by reading the registry. It runs only on a
 * cache miss. The names a DNS namespace `prod.internal` serves:
 *
 *   prod.internal                 SOA, NS (this daemon is the name server)
 *   ns.prod.internal              A/AAAA of this daemon (unless a service is called `ns`)
 *   web.prod.internal             A, AAAA, SRV or CNAME of service `web`
 *   _web._tcp.prod.internal       SRV of service `web` (RFC 2782)
 *   web-1.web.prod.internal       A, AAAA, TXT of instance `web-1` (see names.ts)
 *
 * Everything else under the apex is NXDOMAIN with the SOA (RFC 2308); a name that
 * exists without the asked type is NODATA with the SOA.
 */
import { namespaceKey } from '../keys.js';
import type { InstanceView, Registry } from '../registry.js';
import type { NamespaceValue, ServiceValue } from '../types.js';
import type { ServiceSnapshot } from '../view-cache.js';
import type { AnswerItem, CachedAnswer, Selection } from './assemble.js';
import { instanceLabel } from './names.js';
import {
  addressItems,
  candidates,
  cnameItems,
  hasIpv4,
  hasIpv6,
  hasPort,
  instanceAddressItems,
  publishes,
  srvItems,
  ttlFor,
  txtItems,
} from './records.js';
import { aaaaRecord, aRecord, encodeName, nameRecord, soaRecord } from './rr.js';
import { labelText, QTYPE, RCODE, type ParsedQuery } from './wire.js';

/** ZoneOptions describe the responding daemon, which names itself as the zone's name server. */
export interface ZoneOptions {
  /** nsLabel is the label of the name server host under each apex. */
  nsLabel: string;
  /** nsIpv4 and nsIpv6 are the addresses the name server host resolves to, when known. */
  nsIpv4?: string;
  nsIpv6?: string;
}

/** SOA_TIMERS_S are refresh, retry and expire; there are no secondaries, so they only need to be sane. */
const SOA_TIMERS_S = { refreshS: 3600, retryS: 600, expireS: 86400 };

/** SnapshotLookup returns a service's instance views and their label index (cached by the caller per service revision). */
export type SnapshotLookup = (ns: string, svc: string) => ServiceSnapshot;

interface Ctx {
  registry: Registry;
  q: ParsedQuery;
  nsv: NamespaceValue;
  apexOffset: number;
  soa: Buffer;
  opts: ZoneOptions;
  snapshot: SnapshotLookup;
}

/**
 * buildAnswer returns the answer to the parsed question, or undefined when the name is
 * outside every DNS namespace (the caller refuses or forwards it).
 */
export function buildAnswer(
  registry: Registry,
  query: Uint8Array,
  q: ParsedQuery,
  opts: ZoneOptions,
  snapshot: SnapshotLookup,
): CachedAnswer | undefined {
  const labels: string[] = [];
  for (let i = 0; i < q.labelCount; i++) labels.push(labelText(query, q, i));
  // The longest suffix that is a DNS namespace; deeper would-be namespaces become guards.
  const guards: { key: string; rec: unknown }[] = [];
  let found = -1;
  let nsv: NamespaceValue | undefined;
  let dotted = false;
  for (let i = labels.length - 1; i >= 0; i--) if (labels[i].includes('.')) dotted = true;
  for (let i = 0; i < labels.length && !dotted; i++) {
    const key = namespaceKey(labels.slice(i).join('.'));
    const rec = registry.get(key);
    const v = rec?.value as NamespaceValue | null | undefined;
    if (v && v.type === 'DNS') {
      found = i;
      nsv = v;
      break;
    }
    guards.push({ key, rec });
  }
  if (!nsv) return undefined;
  const apexOffset = q.labelStarts[found];
  const rev = registry.namespaceRevision(nsv.name);
  const mname = encodeName([opts.nsLabel], apexOffset);
  const rname = encodeName(['hostmaster'], apexOffset);
  const soa = soaRecord(encodeName([], apexOffset), nsv.soaTtl, mname, rname, {
    serial: rev,
    ...SOA_TIMERS_S,
    minimumS: nsv.soaTtl,
  });
  const ctx: Ctx = { registry, q, nsv, apexOffset, soa, opts, snapshot };
  const rel = labels.slice(0, found);
  const a = dispatch(ctx, rel);
  a.ns = nsv.name;
  a.rev = rev;
  a.guards = guards;
  a.checkedAt = registry.revision;
  let bytes = 200 + q.key.length * 2;
  for (const it of a.items) {
    bytes += it.rr.length + 64;
    for (const t of it.extraTails) bytes += t.length + 16;
  }
  for (const r of a.authority) bytes += r.length;
  a.bytes = bytes;
  return a;
}

function answer(items: AnswerItem[], selection: Selection, ctx: Ctx): CachedAnswer {
  if (items.length === 0) return nodata(ctx);
  let totalWeight = 0;
  for (const it of items) totalWeight += it.weight;
  return { ns: '', rev: 0, guards: [], checkedAt: -1, rcode: RCODE.NOERROR, selection, items, totalWeight, authority: [], bytes: 0 };
}

function nodata(ctx: Ctx): CachedAnswer {
  return { ns: '', rev: 0, guards: [], checkedAt: -1, rcode: RCODE.NOERROR, selection: 'all', items: [], totalWeight: 0, authority: [ctx.soa], bytes: 0 };
}

function nxdomain(ctx: Ctx): CachedAnswer {
  return { ...nodata(ctx), rcode: RCODE.NXDOMAIN };
}

function dispatch(ctx: Ctx, rel: string[]): CachedAnswer {
  const { registry, nsv } = ctx;
  if (rel.length === 0) return apex(ctx);
  if (rel.length === 1) {
    const svc = registry.service(nsv.name, rel[0]);
    if (svc?.dns) return serviceName(ctx, svc);
    if (rel[0] === ctx.opts.nsLabel) return nsHost(ctx);
    // `_tcp` is an empty non-terminal when some service publishes SRV: NODATA, not NXDOMAIN (RFC 8020).
    if (rel[0] === '_tcp' && registry.services(nsv.name).some((s) => publishes(s, 'SRV'))) return nodata(ctx);
    return nxdomain(ctx);
  }
  if (rel.length === 2) {
    if (rel[1] === '_tcp' && rel[0].startsWith('_')) {
      const svc = registry.service(nsv.name, rel[0].slice(1));
      if (!svc?.dns || !publishes(svc, 'SRV')) return nxdomain(ctx);
      return ctx.q.qtype === QTYPE.SRV || ctx.q.qtype === QTYPE.ANY ? srv(ctx, svc) : nodata(ctx);
    }
    const svc = registry.service(nsv.name, rel[1]);
    if (!svc?.dns) return nxdomain(ctx);
    const inst = ctx.snapshot(nsv.name, svc.name).labelIndex().get(rel[0]);
    if (!inst || inst.health === 'DRAINING') return nxdomain(ctx);
    return instanceName(ctx, svc, inst);
  }
  return nxdomain(ctx);
}

function apex(ctx: Ctx): CachedAnswer {
  const t = ctx.q.qtype;
  if (t === QTYPE.SOA || t === QTYPE.ANY) return answer([{ rr: ctx.soa, extraTails: [], targetAt: 0, fallbackOwner: null, weight: 1 }], 'all', ctx);
  if (t !== QTYPE.NS) return nodata(ctx);
  // NS RDATA is `ns` + pointer to the apex; the glue's owner points at that RDATA.
  const target = encodeName([ctx.opts.nsLabel], ctx.apexOffset);
  const ttl = ctx.nsv.soaTtl;
  const rr = nameRecord(encodeName([], ctx.apexOffset), QTYPE.NS, ttl, target);
  const extraTails: Buffer[] = [];
  const owner = encodeName([], 12);
  if (ctx.opts.nsIpv4) extraTails.push(aRecord(owner, ttl, ctx.opts.nsIpv4).subarray(2));
  if (ctx.opts.nsIpv6) extraTails.push(aaaaRecord(owner, ttl, ctx.opts.nsIpv6).subarray(2));
  return answer([{ rr, extraTails, targetAt: rr.length - target.length, fallbackOwner: target, weight: 1 }], 'all', ctx);
}

function nsHost(ctx: Ctx): CachedAnswer {
  const t = ctx.q.qtype;
  const owner = encodeName([], 12);
  const ttl = ctx.nsv.soaTtl;
  const items: AnswerItem[] = [];
  if ((t === QTYPE.A || t === QTYPE.ANY) && ctx.opts.nsIpv4) items.push(plain(aRecord(owner, ttl, ctx.opts.nsIpv4)));
  if ((t === QTYPE.AAAA || (t === QTYPE.ANY && items.length === 0)) && ctx.opts.nsIpv6) items.push(plain(aaaaRecord(owner, ttl, ctx.opts.nsIpv6)));
  return answer(items, 'all', ctx);
}

function plain(rr: Buffer): AnswerItem {
  return { rr, extraTails: [], targetAt: 0, fallbackOwner: null, weight: 1 };
}

/** The record type an ANY question gets at a service name: its first published type (RFC 8482: one RRset is enough). */
function serviceName(ctx: Ctx, svc: ServiceValue): CachedAnswer {
  const { nsv } = ctx;
  const all = ctx.snapshot(nsv.name, svc.name).views;
  const fallbackTtl = nsv.soaTtl;
  const weighted = svc.dns!.routingPolicy === 'WEIGHTED';
  // A CNAME service has no other data at its name (RFC 1034 §3.6.2): every type gets the CNAME.
  if (publishes(svc, 'CNAME')) {
    const insts = candidates(all, (v) => validCname(v.value.attributes.cname));
    return answer(cnameItems(insts, ttlFor(svc, 'CNAME', fallbackTtl)), 'weighted', ctx);
  }
  let t = ctx.q.qtype;
  if (t === QTYPE.ANY) {
    const first = svc.dns!.records[0]?.type;
    t = first === 'AAAA' ? QTYPE.AAAA : first === 'SRV' ? QTYPE.SRV : QTYPE.A;
  }
  if (t === QTYPE.A && publishes(svc, 'A')) {
    return answer(addressItems(candidates(all, hasIpv4), 'A', ttlFor(svc, 'A', fallbackTtl)), weighted ? 'weighted' : 'sample', ctx);
  }
  if (t === QTYPE.AAAA && publishes(svc, 'AAAA')) {
    return answer(addressItems(candidates(all, hasIpv6), 'AAAA', ttlFor(svc, 'AAAA', fallbackTtl)), weighted ? 'weighted' : 'sample', ctx);
  }
  if (t === QTYPE.SRV && publishes(svc, 'SRV')) return srv(ctx, svc);
  return nodata(ctx);
}

/**
 * srv answers SRV for a service: MULTIVALUE gives every usable instance, shuffled
 * (clients enumerate SRV; truncation and TCP carry large sets), WEIGHTED picks one.
 * An instance without a port, or without a DNS name of its own, has no SRV record.
 */
function srv(ctx: Ctx, svc: ServiceValue): CachedAnswer {
  const { nsv } = ctx;
  const snap = ctx.snapshot(nsv.name, svc.name);
  const index = snap.labelIndex();
  const all = snap.views;
  // The target must be a legal name (at most 253 characters, RFC 1035 §2.3.4) and this instance's own.
  const suffixChars = svc.name.length + nsv.name.length + 2;
  const insts = candidates(all, (v) => {
    const label = instanceLabel(v.value.id);
    return hasPort(v) && label.length + suffixChars <= 253 && index.get(label)?.value.id === v.value.id;
  });
  const items = srvItems(insts, svc, ctx.apexOffset, nsv.soaTtl);
  return answer(items, svc.dns!.routingPolicy === 'WEIGHTED' ? 'weighted' : 'shuffle', ctx);
}

/** instanceName answers for `<label>.<svc>.<ns>`: its own A, AAAA and TXT, whatever its health. */
function instanceName(ctx: Ctx, svc: ServiceValue, v: InstanceView): CachedAnswer {
  const fallbackTtl = ctx.nsv.soaTtl;
  const aTtl = ttlFor(svc, publishes(svc, 'A') ? 'A' : 'SRV', fallbackTtl);
  const aaaaTtl = ttlFor(svc, publishes(svc, 'AAAA') ? 'AAAA' : 'SRV', fallbackTtl);
  const txtTtl = ttlFor(svc, 'SRV', fallbackTtl);
  switch (ctx.q.qtype) {
    case QTYPE.A:
      return answer(instanceAddressItems(v, 'A', aTtl), 'all', ctx);
    case QTYPE.AAAA:
      return answer(instanceAddressItems(v, 'AAAA', aaaaTtl), 'all', ctx);
    case QTYPE.TXT:
      return answer(txtItems(v, txtTtl), 'all', ctx);
    case QTYPE.ANY: {
      const a = instanceAddressItems(v, 'A', aTtl);
      const items = a.length ? a : instanceAddressItems(v, 'AAAA', aaaaTtl);
      return answer(items.length ? items : txtItems(v, txtTtl), 'all', ctx);
    }
    default:
      return nodata(ctx);
  }
}

/** validCname reports whether a `cname` attribute is a name that can be encoded. */
function validCname(c: string | undefined): boolean {
  if (!c) return false;
  const n = c.replace(/\.$/, '');
  return n.length > 0 && n.length <= 253 && n.split('.').every((l) => l.length >= 1 && l.length <= 63 && /^[\x21-\x7e]+$/.test(l));
}

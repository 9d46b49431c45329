/**
 * Answer records for services and instances: which instances a name returns (healthy
 * first, failing open as Route 53 does), and their encoded records.
 */
import type { InstanceView } from '../registry.js';
import { selectViews, type Keep } from '../selection.js';
import type { DnsRecordType, ServiceValue } from '../types.js';
import type { AnswerItem } from './assemble.js';
import { instanceLabel } from './names.js';
import { aaaaRecord, aRecord, encodeName, nameRecord, QUESTION_OFFSET, srvRecord, SRV_TARGET_OFFSET, txtRecord } from './rr.js';
import { QTYPE } from './wire.js';

/** DEFAULT_WEIGHT is the weight of an instance without a `weight` attribute. */
export const DEFAULT_WEIGHT = 1;

/** weightOf reads an instance's `weight` attribute (0-65535); anything unreadable counts as the default. */
export function weightOf(v: InstanceView): number {
  const raw = v.value.attributes.weight;
  if (raw === undefined) return DEFAULT_WEIGHT;
  const w = Number(raw);
  return Number.isInteger(w) && w >= 0 && w <= 65535 ? w : DEFAULT_WEIGHT;
}

/**
 * candidates returns the instances a service-level answer may use: those that have
 * what the record needs, selected as HEALTHY_OR_ELSE_ALL (selection.ts, the rule the
 * HTTP discovery query uses too): the healthy ones, or when none is healthy all but the
 * draining ones (fail open, as Route 53 and Cloud Map). Draining instances leave
 * answers at once.
 */
export function candidates(all: readonly InstanceView[], has: Keep): InstanceView[] {
  // A stable order, so an 'all' answer or a weighted pick does not depend on map order.
  return selectViews(all, 'HEALTHY_OR_ELSE_ALL', has).sort(byId);
}

function byId(a: InstanceView, b: InstanceView): number {
  return a.value.id < b.value.id ? -1 : a.value.id > b.value.id ? 1 : 0;
}

/** ttlFor returns the TTL a service gives records of `type`, falling back to its first record's TTL. */
export function ttlFor(svc: ServiceValue, type: DnsRecordType, fallbackS: number): number {
  const recs = svc.dns?.records ?? [];
  return recs.find((r) => r.type === type)?.ttl ?? recs[0]?.ttl ?? fallbackS;
}

/** publishes reports whether a service lists `type` among its DNS records. */
export function publishes(svc: ServiceValue, type: DnsRecordType): boolean {
  return svc.dns?.records.some((r) => r.type === type) ?? false;
}

const OWNER_IS_QUESTION = encodeName([], QUESTION_OFFSET);

function item(rr: Buffer, weight: number): AnswerItem {
  return { rr, extraTails: [], targetAt: 0, fallbackOwner: null, weight };
}

/**
 * encodable reports whether an instance's records can be encoded; a value that slipped
 * past validation (say, from a peer running other code) must cost that instance its
 * records, not the whole answer.
 */
export function encodable(build: () => unknown): boolean {
  try {
    build();
    return true;
  } catch {
    return false;
  }
}

/** addressItems returns one A (or AAAA) record per instance, owned by the question name. */
export function addressItems(insts: readonly InstanceView[], type: 'A' | 'AAAA', ttlS: number): AnswerItem[] {
  return insts.map((v) =>
    type === 'A'
      ? item(aRecord(OWNER_IS_QUESTION, ttlS, v.value.attributes.ipv4!), weightOf(v))
      : item(aaaaRecord(OWNER_IS_QUESTION, ttlS, v.value.attributes.ipv6!), weightOf(v)),
  );
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** hasIpv4 reports whether an instance carries a well-formed `ipv4` attribute. */
export function hasIpv4(v: InstanceView): boolean {
  const a = v.value.attributes.ipv4;
  return a !== undefined && IPV4.test(a);
}

/** hasIpv6 reports whether an instance carries an `ipv6` attribute that encodes. */
export function hasIpv6(v: InstanceView): boolean {
  const a = v.value.attributes.ipv6;
  return a?.includes(':') && encodable(() => aaaaRecord(OWNER_IS_QUESTION, 0, a));
}

/** hasPort reports whether an instance carries a usable `port` attribute (1-65535). */
export function hasPort(v: InstanceView): boolean {
  const p = Number(v.value.attributes.port);
  return Number.isInteger(p) && p >= 1 && p <= 65535;
}

/** cnameItems returns one CNAME record per instance, for WEIGHTED CNAME services. */
export function cnameItems(insts: readonly InstanceView[], ttlS: number): AnswerItem[] {
  return insts.map((v) => {
    const target = v.value.attributes.cname!.toLowerCase().replace(/\.$/, '');
    return item(nameRecord(OWNER_IS_QUESTION, QTYPE.CNAME, ttlS, encodeName(target.split('.'), -1)), weightOf(v));
  });
}

/** Without the owner name: type, class, TTL and RDATA of an address record, for the additional section. */
function tail(rr: Buffer): Buffer {
  return rr.subarray(2);
}

/**
 * srvItems returns one SRV record per instance (`0 <weight> <port> <label>.<svc>.<ns>.`,
 * RFC 2782) with the instance's A and AAAA as additional records. The additional
 * records' owner points at the SRV target; `apexOffset` gives them a fallback name
 * (`<label>.<svc>` + pointer to the apex) for when the target lies beyond a pointer's reach.
 */
export function srvItems(
  insts: readonly InstanceView[],
  svc: ServiceValue,
  apexOffset: number,
  fallbackTtlS: number,
): AnswerItem[] {
  const srvTtl = ttlFor(svc, 'SRV', fallbackTtlS);
  const aTtl = publishes(svc, 'A') ? ttlFor(svc, 'A', fallbackTtlS) : srvTtl;
  const aaaaTtl = publishes(svc, 'AAAA') ? ttlFor(svc, 'AAAA', fallbackTtlS) : srvTtl;
  return insts.map((v) => {
    const label = instanceLabel(v.value.id);
    const target = `${label}.${svc.name}.${svc.namespace}`;
    const weight = weightOf(v);
    const rr = srvRecord(OWNER_IS_QUESTION, srvTtl, 0, weight, Number(v.value.attributes.port), target);
    const extraTails: Buffer[] = [];
    if (hasIpv4(v)) extraTails.push(tail(aRecord(OWNER_IS_QUESTION, aTtl, v.value.attributes.ipv4!)));
    if (hasIpv6(v)) extraTails.push(tail(aaaaRecord(OWNER_IS_QUESTION, aaaaTtl, v.value.attributes.ipv6!)));
    return { rr, extraTails, targetAt: SRV_TARGET_OFFSET, fallbackOwner: encodeName([label, svc.name], apexOffset), weight };
  });
}

/** txtItems returns one TXT record per attribute, `key=value`, sorted by key. */
export function txtItems(v: InstanceView, ttlS: number): AnswerItem[] {
  return Object.keys(v.value.attributes)
    .sort()
    .map((k) => item(txtRecord(OWNER_IS_QUESTION, ttlS, `${k}=${v.value.attributes[k]}`), 1));
}

/** instanceAddressItems returns the A or AAAA record of one instance, or none. */
export function instanceAddressItems(v: InstanceView, type: 'A' | 'AAAA', ttlS: number): AnswerItem[] {
  if (type === 'A' ? !hasIpv4(v) : !hasIpv6(v)) return [];
  const addr = type === 'A' ? v.value.attributes.ipv4! : v.value.attributes.ipv6!;
  return [item(type === 'A' ? aRecord(OWNER_IS_QUESTION, ttlS, addr) : aaaaRecord(OWNER_IS_QUESTION, ttlS, addr), 1)];
}

import { effectiveHealth, type EffectiveHealthResult } from './health-rules.js';
import { healthKey, instanceKey, namespaceKey, parseKey, serviceKey } from './keys.js';
import { wins, type Rec } from './records.js';
import type { TokenValue } from './acl.js';
import type { HealthValue, InstanceValue, MemberStatus, NamespaceValue, ServiceValue } from './types.js';

/** InstanceView is an instance as lookups see it: stored value plus effective health. */
export interface InstanceView extends EffectiveHealthResult {
  value: InstanceValue;
  /** Version of the instance record, for tests and debugging. */
  hlc: number;
}

/** IndexFloors are per-service index floors by service key: `index` for blocking queries, `instances` for Cloud Map's InstancesRevision. */
export interface IndexFloors {
  index: Record<string, number>;
  instances: Record<string, number>;
}

/** raise sets map[key] to value when value is higher. */
function raise(map: Map<string, number>, key: string, value: number): void {
  if (value > (map.get(key) ?? 0)) map.set(key, value);
}

/** restore puts back a map entry as it was (undefined: absent). */
function restore(map: Map<string, number>, key: string, value: number | undefined): void {
  if (value === undefined) map.delete(key);
  else map.set(key, value);
}

/** ApplyResult tells the caller what a merge changed, so the runtime can persist and wake waiters. */
export interface ApplyResult {
  changed: boolean;
  /** The record it replaced, if any. */
  previous?: Rec;
}

/**
 * Registry is the pure in-memory state of the registry: every record (tombstones
 * too), secondary indexes for lookups, and revision counters that blocking queries
 * and DNS answer caches key on. It never touches I/O or time.
 */
export class Registry {
  /** records holds every live record and tombstone by key. */
  readonly records = new Map<string, Rec>();
  private readonly servicesByNs = new Map<string, Set<string>>();
  private readonly instancesBySvc = new Map<string, Map<string, InstanceValue>>();
  private readonly instancesByOwner = new Map<string, Set<string>>();
  private readonly svcRevision = new Map<string, number>();
  private readonly nsRevision = new Map<string, number>();
  private readonly members = new Map<string, MemberStatus>();
  private readonly reapedOwners = new Set<string>();
  /** svcIndex: per service key, the highest HLC of any of its records (service, instances, health; tombstones too), never lowered. */
  private readonly svcIndex = new Map<string, number>();
  /** svcInstancesHlc: per service key, the highest HLC of its instance records only (Cloud Map's InstancesRevision), never lowered. */
  private readonly svcInstancesHlc = new Map<string, number>();
  private revisionCounter = 0;
  /** tokensByHash finds a live ACL token by the SHA-256 of its secret. */
  private readonly tokensByHash = new Map<string, TokenValue>();
  private tokenGen = 0;

  /** revision is a node-local counter that rises on every change (Consul's index). */
  get revision(): number {
    return this.revisionCounter;
  }

  /** apply merges one record; it changes nothing unless the record wins (see records.ts). */
  apply(rec: Rec): ApplyResult {
    const previous = this.records.get(rec.key);
    if (!wins(rec, previous)) return { changed: false };
    const parsed = parseKey(rec.key);
    if (!parsed) throw new Error(`Registry.apply: malformed key ${JSON.stringify(rec.key)}`);
    this.records.set(rec.key, rec);
    const live = rec.value !== null;
    const rev = ++this.revisionCounter;
    if (parsed.kind !== 't') this.nsRevision.set(parsed.ns, rev);
    switch (parsed.kind) {
      case 'n':
        break;
      case 't': {
        const old = previous?.value as TokenValue | null | undefined;
        if (old) this.tokensByHash.delete(old.secretHash);
        if (live) this.tokensByHash.set((rec.value as TokenValue).secretHash, rec.value as TokenValue);
        this.tokenGen++;
        break;
      }
      case 's': {
        let set = this.servicesByNs.get(parsed.ns);
        if (live) {
          if (!set) this.servicesByNs.set(parsed.ns, (set = new Set()));
          set.add(parsed.svc!);
        } else if (set) {
          set.delete(parsed.svc!);
          if (set.size === 0) this.servicesByNs.delete(parsed.ns);
        }
        this.svcRevision.set(rec.key, rev);
        raise(this.svcIndex, rec.key, rec.hlc);
        break;
      }
      case 'i': {
        const sk = serviceKey(parsed.ns, parsed.svc!);
        let insts = this.instancesBySvc.get(sk);
        const old = insts?.get(parsed.id!);
        if (old) this.instancesByOwner.get(old.owner)?.delete(rec.key);
        if (live) {
          const v = rec.value as InstanceValue;
          if (!insts) this.instancesBySvc.set(sk, (insts = new Map()));
          insts.set(parsed.id!, v);
          let owned = this.instancesByOwner.get(v.owner);
          if (!owned) this.instancesByOwner.set(v.owner, (owned = new Set()));
          owned.add(rec.key);
        } else if (insts) {
          insts.delete(parsed.id!);
          if (insts.size === 0) this.instancesBySvc.delete(sk);
        }
        this.svcRevision.set(sk, rev);
        raise(this.svcIndex, sk, rec.hlc);
        raise(this.svcInstancesHlc, sk, rec.hlc);
        break;
      }
      case 'h': {
        const sk = serviceKey(parsed.ns, parsed.svc!);
        this.svcRevision.set(sk, rev);
        raise(this.svcIndex, sk, rec.hlc);
        break;
      }
    }
    return { changed: true, previous };
  }

  /** remove drops a record outright (tombstone collection); only tombstones may be removed. */
  remove(key: string): void {
    const rec = this.records.get(key);
    if (!rec) return;
    if (rec.value !== null) throw new Error(`Registry.remove: ${key} is live, only tombstones are collected`);
    this.records.delete(key);
    // The state changed (digests see tombstones), so the revision moves too.
    ++this.revisionCounter;
  }

  /**
   * drop removes any record outright, live or not, keeping the indexes right. Only
   * anti-entropy uses it on live records: after a full state transfer showed the
   * record was deleted and its tombstone collected everywhere else.
   */
  drop(key: string): void {
    const rec = this.records.get(key);
    if (!rec) return;
    if (rec.value !== null) {
      // Route the index clean-up through apply with a tombstone that outranks the record, then forget it.
      // That tombstone exists only here, so it must not move the service's cluster-wide index.
      const p = parseKey(key);
      const sk = p?.svc !== undefined ? serviceKey(p.ns, p.svc) : undefined;
      const before = sk ? [this.svcIndex.get(sk), this.svcInstancesHlc.get(sk)] : [];
      this.apply({ key, value: null, hlc: rec.hlc + 1, node: rec.node, seq: rec.seq });
      if (sk) {
        restore(this.svcIndex, sk, before[0]);
        restore(this.svcInstancesHlc, sk, before[1]);
      }
    }
    this.records.delete(key);
    ++this.revisionCounter;
  }

  /** get returns the record under a key, tombstone or not. */
  get(key: string): Rec | undefined {
    return this.records.get(key);
  }

  /** setMemberStatus records a member's SWIM state and bumps the revision of every service it owns instances in. */
  setMemberStatus(node: string, status: MemberStatus): void {
    const before = this.members.get(node) ?? 'alive';
    this.members.set(node, status);
    if (before === status) return;
    for (const key of this.instancesByOwner.get(node) ?? []) {
      const p = parseKey(key)!;
      const rev = ++this.revisionCounter;
      this.svcRevision.set(serviceKey(p.ns, p.svc!), rev);
      this.nsRevision.set(p.ns, rev);
    }
  }

  /**
   * setOwnerReaped hides (or shows again) the instances of an owner that has been dead
   * or gone for reapAfterMs. The records stay, so the instances come back if it does.
   */
  setOwnerReaped(node: string, reaped: boolean): void {
    if (reaped === this.reapedOwners.has(node)) return;
    if (reaped) this.reapedOwners.add(node);
    else this.reapedOwners.delete(node);
    for (const key of this.instancesByOwner.get(node) ?? []) {
      const p = parseKey(key)!;
      const rev = ++this.revisionCounter;
      this.svcRevision.set(serviceKey(p.ns, p.svc!), rev);
      this.nsRevision.set(p.ns, rev);
    }
  }

  /** ownerReaped reports whether a node's instances are reaped (hidden). */
  ownerReaped(node: string): boolean {
    return this.reapedOwners.has(node);
  }

  /** memberStatus returns the last known SWIM state of a node; unknown nodes count as alive. */
  memberStatus(node: string): MemberStatus {
    return this.members.get(node) ?? 'alive';
  }

  /** tokenGeneration rises whenever an ACL token is created, changed or deleted (resolver caches key on it). */
  get tokenGeneration(): number {
    return this.tokenGen;
  }

  /** tokenBySecretHash returns the live ACL token whose secret hashes to `hash`, or undefined. */
  tokenBySecretHash(hash: string): TokenValue | undefined {
    return this.tokensByHash.get(hash);
  }

  /** tokens lists the live ACL tokens sorted by accessor id. */
  tokens(): TokenValue[] {
    return [...this.tokensByHash.values()].sort((a, b) => (a.accessorId < b.accessorId ? -1 : 1));
  }

  /** namespace returns a live namespace, or undefined. */
  namespace(ns: string): NamespaceValue | undefined {
    return (this.records.get(namespaceKey(ns))?.value ?? undefined) as NamespaceValue | undefined;
  }

  /** namespaces lists live namespaces sorted by name. */
  namespaces(): NamespaceValue[] {
    const out: NamespaceValue[] = [];
    for (const r of this.records.values()) if (r.key.startsWith('n|') && r.value !== null) out.push(r.value as NamespaceValue);
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** service returns a live service, or undefined. */
  service(ns: string, svc: string): ServiceValue | undefined {
    return (this.records.get(serviceKey(ns, svc))?.value ?? undefined) as ServiceValue | undefined;
  }

  /** services lists the live services of a namespace sorted by name. */
  services(ns: string): ServiceValue[] {
    const names = [...(this.servicesByNs.get(ns) ?? [])].sort();
    return names.map((n) => this.service(ns, n)!).filter((s) => s !== undefined);
  }

  /** serviceCount counts the live services of a namespace. */
  serviceCount(ns: string): number {
    return this.servicesByNs.get(ns)?.size ?? 0;
  }

  /** instanceCount counts the live instances of a service. */
  instanceCount(ns: string, svc: string): number {
    const insts = this.instancesBySvc.get(serviceKey(ns, svc));
    if (!insts) return 0;
    if (this.reapedOwners.size === 0) return insts.size;
    let n = 0;
    for (const v of insts.values()) if (!this.reapedOwners.has(v.owner)) n++;
    return n;
  }

  /** instance returns a live instance with its effective health, or undefined. */
  instance(ns: string, svc: string, id: string): InstanceView | undefined {
    const rec = this.records.get(instanceKey(ns, svc, id));
    if (!rec || rec.value === null || this.reapedOwners.has((rec.value as InstanceValue).owner)) return undefined;
    return this.view(rec.value as InstanceValue, rec.hlc, this.service(ns, svc));
  }

  /** health returns the stored health record of an instance, if its owner wrote one. */
  health(ns: string, svc: string, id: string): HealthValue | undefined {
    return (this.records.get(healthKey(ns, svc, id))?.value ?? undefined) as HealthValue | undefined;
  }

  /** instances lists the live instances of a service with their effective health. */
  instances(ns: string, svc: string): InstanceView[] {
    const insts = this.instancesBySvc.get(serviceKey(ns, svc));
    if (!insts) return [];
    const service = this.service(ns, svc);
    const out: InstanceView[] = [];
    for (const v of insts.values()) if (!this.reapedOwners.has(v.owner)) out.push(this.view(v, this.records.get(instanceKey(ns, svc, v.id))!.hlc, service));
    return out;
  }

  /** ownedBy lists the keys of live instances a node owns. */
  ownedBy(node: string): string[] {
    return [...(this.instancesByOwner.get(node) ?? [])];
  }

  /** serviceRevision returns the revision of the last change to a service or its instances. */
  serviceRevision(ns: string, svc: string): number {
    return this.svcRevision.get(serviceKey(ns, svc)) ?? 0;
  }

  /**
   * serviceIndex is a service's blocking-query index: the highest HLC of its records
   * (service, instances and health, tombstones included), raised by persisted floors.
   * Daemons holding the same records give the same index, and it never goes down on a
   * daemon: collecting a tombstone does not lower it, and the floors carry it across
   * restarts. Member status changes do not move it (they are not records; see waiters).
   */
  serviceIndex(ns: string, svc: string): number {
    return this.svcIndex.get(serviceKey(ns, svc)) ?? 0;
  }

  /** instancesRevision is Cloud Map's InstancesRevision: like serviceIndex, over instance records only (health changes do not move it). */
  instancesRevision(ns: string, svc: string): number {
    return this.svcInstancesHlc.get(serviceKey(ns, svc)) ?? 0;
  }

  /** indexFloors returns the current indexes of every service ever seen, for persisting as floors. */
  indexFloors(): IndexFloors {
    return { index: Object.fromEntries(this.svcIndex), instances: Object.fromEntries(this.svcInstancesHlc) };
  }

  /** raiseIndexFloors raises services' indexes to persisted floors (at start-up, after loading the records). */
  raiseIndexFloors(floors: Partial<IndexFloors>): void {
    for (const [k, v] of Object.entries(floors.index ?? {})) if (Number.isSafeInteger(v)) raise(this.svcIndex, k, v);
    for (const [k, v] of Object.entries(floors.instances ?? {})) if (Number.isSafeInteger(v)) raise(this.svcInstancesHlc, k, v);
  }

  /** namespaceRevision returns the revision of the last change anywhere under a namespace. */
  namespaceRevision(ns: string): number {
    return this.nsRevision.get(ns) ?? 0;
  }

  private view(v: InstanceValue, hlc: number, service: ServiceValue | undefined): InstanceView {
    const h = effectiveHealth(v, this.health(v.namespace, v.service, v.id), service, this.memberStatus(v.owner));
    return { value: v, hlc, health: h.health, reason: h.reason };
  }
}

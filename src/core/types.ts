/**
 * Data model of the registry, in Cloud Map's shape: namespaces hold services,
 * services hold instances, instances carry attributes and a health record.
 * Every value here is plain data so that it can be msgpack-encoded, stored and merged.
 */

/** NamespaceType says whether a namespace is served over DNS and HTTP, or HTTP only. */
export type NamespaceType = 'DNS' | 'HTTP';

/** NamespaceValue is the stored body of a namespace record. */
export interface NamespaceValue {
  name: string;
  type: NamespaceType;
  description: string;
  /** SOA minimum and negative-caching TTL in seconds (RFC 2308), DNS namespaces only. */
  soaTtl: number;
  createdAtMs: number;
  /** creatorRequestId is the Cloud Map API's idempotency token of the create (optional: natively created records have none). */
  creatorRequestId?: string;
  /** tags are the Cloud Map API's resource tags, by key. */
  tags?: Record<string, string>;
}

/** RoutingPolicy is Cloud Map's DNS routing policy for a service. */
export type RoutingPolicy = 'MULTIVALUE' | 'WEIGHTED';
/** DnsRecordType lists the record types a service may publish. */
export type DnsRecordType = 'A' | 'AAAA' | 'SRV' | 'CNAME';

/** ServiceDnsConfig says which records a service publishes and how answers are routed. */
export interface ServiceDnsConfig {
  routingPolicy: RoutingPolicy;
  records: { type: DnsRecordType; ttl: number }[];
}

/** HealthCheckType lists the kinds of check an owning daemon can run. */
export type HealthCheckType = 'HTTP' | 'HTTPS' | 'TCP' | 'TTL' | 'CUSTOM';

/** HealthCheckConfig is a service's check configuration; instances may override fields. */
export interface HealthCheckConfig {
  type: HealthCheckType;
  /** Request path for HTTP(S) checks, starting with '/'. */
  path?: string;
  intervalMs: number;
  timeoutMs: number;
  failureThreshold: number;
  successThreshold: number;
  /** Heartbeat deadline for TTL checks. */
  ttlMs?: number;
  /** HTTPS only: accept self-signed certificates. */
  insecureSkipVerify?: boolean;
}

/** ServiceValue is the stored body of a service record. */
export interface ServiceValue {
  namespace: string;
  name: string;
  description: string;
  dns: ServiceDnsConfig | null;
  healthCheck: HealthCheckConfig | null;
  /** Remove instances that stay UNHEALTHY this long (Consul's deregister_critical_service_after). */
  deregisterAfterUnhealthyMs?: number;
  createdAtMs: number;
  /** creatorRequestId is the Cloud Map API's idempotency token of the create. */
  creatorRequestId?: string;
  /** tags are the Cloud Map API's resource tags, by key. */
  tags?: Record<string, string>;
  /** serviceAttributes are Cloud Map's service attributes (UpdateServiceAttributes). */
  serviceAttributes?: Record<string, string>;
}

/** InstanceValue is the stored body of an instance record. */
export interface InstanceValue {
  namespace: string;
  service: string;
  id: string;
  attributes: Record<string, string>;
  /** Node name of the daemon that registered the instance and runs its checks. */
  owner: string;
  registeredAtMs: number;
  /** When set, the instance is draining and is deregistered at this wall-clock time. */
  drainUntilMs?: number;
  /** Per-instance overrides of the service's health-check config. */
  healthCheck?: Partial<HealthCheckConfig>;
  /** creatorRequestId is the Cloud Map API's idempotency token of the registration. */
  creatorRequestId?: string;
  /** awsKeys lists the reserved attributes (ipv4, ipv6, port, cname) that were registered as AWS_INSTANCE_*, so they read back as given. */
  awsKeys?: string[];
}

/** HealthStatus is the status an owner writes into an instance's health record. */
export type HealthStatus = 'HEALTHY' | 'UNHEALTHY';

/** EffectiveHealth is what lookups report: the health record combined with owner liveness and drain. */
export type EffectiveHealth = 'HEALTHY' | 'UNHEALTHY' | 'DRAINING';

/** HealthValue is the stored body of an instance's health record, written only by its owner. */
export interface HealthValue {
  status: HealthStatus;
  reason: HealthReason;
  /** Last check output, truncated to 4 KB. */
  output: string;
  changedAtMs: number;
  consecutiveSuccesses: number;
  consecutiveFailures: number;
}

/** HEALTH_REASONS lists every reason a health record or a lookup may give for an instance's health. */
export const HEALTH_REASONS = ['NO_CHECK', 'PENDING', 'CHECK_PASSING', 'CHECK_FAILING', 'CUSTOM', 'HEARTBEAT', 'TTL_EXPIRED', 'DRAINING', 'NODE_FAILED', 'NODE_LEFT'] as const;

/** HealthReason says why an instance has the health it has (a closed set: see HEALTH_REASONS). */
export type HealthReason = (typeof HEALTH_REASONS)[number];

/** MemberStatus is the SWIM state of a cluster member, as seen by this node. */
export type MemberStatus = 'alive' | 'suspect' | 'dead' | 'left';

/**
 * The Cloud Map operations a daemon took (CreateXNamespace, RegisterInstance...). Writes
 * are durable before the answer, so each operation is recorded as SUCCESS at once. They
 * are local to the daemon that took the call, kept durably in the store's metadata in
 * 10-minute buckets (one meta key each), and pruned after 25 hours.
 */
import { randomBytes } from 'node:crypto';
import type { GrapevineNode } from '../../runtime/node.js';
import { CloudMapError } from './errors.js';

/** OperationType is Cloud Map's operation type. */
export type OperationType = 'CREATE_NAMESPACE' | 'DELETE_NAMESPACE' | 'UPDATE_NAMESPACE' | 'UPDATE_SERVICE' | 'REGISTER_INSTANCE' | 'DEREGISTER_INSTANCE';

/** Operation is one recorded operation (its dates in epoch ms). */
export interface Operation {
  id: string;
  type: OperationType;
  status: 'SUBMITTED' | 'PENDING' | 'SUCCESS' | 'FAIL';
  createdAtMs: number;
  updatedAtMs: number;
  targets: Partial<Record<'NAMESPACE' | 'SERVICE' | 'INSTANCE', string>>;
  /** namespaceId and serviceId are what ListOperations' NAMESPACE_ID / SERVICE_ID filters match. */
  namespaceId?: string;
  serviceId?: string;
}

/** BUCKET_MS is the span of one metadata bucket of operations. */
export const BUCKET_MS = 600_000;
/** KEEP_MS is how long operations are kept (Cloud Map promises at least 24 hours). */
export const KEEP_MS = 25 * 3_600_000;
/** MAX_OPERATIONS_PER_BUCKET bounds one bucket; past it the oldest operations of the bucket go. */
export const MAX_OPERATIONS_PER_BUCKET = 20_000;
const META_PREFIX = 'cloudmap.ops.';

/** OperationLog records, finds and lists this daemon's operations. */
export class OperationLog {
  private readonly buckets = new Map<number, Operation[]>();
  private readonly byId = new Map<string, Operation>();
  private loaded: Promise<void> | undefined;

  constructor(private readonly node: GrapevineNode) {}

  private load(): Promise<void> {
    this.loaded ??= (async () => {
      const now = this.node.clock.nowMs();
      const last = Math.floor(now / BUCKET_MS);
      for (let b = last - Math.ceil(KEEP_MS / BUCKET_MS); b <= last; b++) {
        const ops = await this.node.store.getMeta<Operation[]>(META_PREFIX + b);
        if (!Array.isArray(ops) || ops.length === 0) continue;
        this.buckets.set(b, ops);
        for (const o of ops) this.byId.set(o.id, o);
      }
    })();
    return this.loaded;
  }

  /** record durably stores a finished operation and returns its id. */
  async record(type: OperationType, targets: Operation['targets'], scope: { namespaceId?: string; serviceId?: string } = {}): Promise<string> {
    await this.load();
    const now = this.node.clock.nowMs();
    const id = `${randomBytes(20).toString('hex').slice(0, 32)}-${randomBytes(4).toString('hex')}`;
    const op: Operation = { id, type, status: 'SUCCESS', createdAtMs: now, updatedAtMs: now, targets, ...scope };
    const b = Math.floor(now / BUCKET_MS);
    const bucket = [...(this.buckets.get(b) ?? []), op];
    if (bucket.length > MAX_OPERATIONS_PER_BUCKET) bucket.splice(0, bucket.length - MAX_OPERATIONS_PER_BUCKET);
    const meta: Record<string, unknown> = { [META_PREFIX + b]: bucket };
    // Forget the bucket that just fell out of the window (the store keeps meta keys until overwritten).
    const gone = b - Math.ceil(KEEP_MS / BUCKET_MS) - 1;
    if (this.buckets.has(gone) || !this.buckets.has(b)) meta[META_PREFIX + gone] = [];
    await this.node.writeMeta(meta);
    this.buckets.set(b, bucket);
    this.byId.set(id, op);
    this.prune(now);
    return id;
  }

  private prune(now: number): void {
    const oldest = Math.floor((now - KEEP_MS) / BUCKET_MS);
    for (const [b, ops] of this.buckets) {
      if (b >= oldest) continue;
      for (const o of ops) this.byId.delete(o.id);
      this.buckets.delete(b);
    }
  }

  /** get returns an operation, or throws OperationNotFound. */
  async get(id: string): Promise<Operation> {
    await this.load();
    const op = this.byId.get(id);
    if (!op) throw new CloudMapError('OperationNotFound', `operation ${id.slice(0, 80)} not found`);
    return op;
  }

  /** list returns every kept operation, oldest first. */
  async list(): Promise<Operation[]> {
    await this.load();
    return [...this.buckets.keys()].sort((a, b) => a - b).flatMap((b) => this.buckets.get(b)!);
  }
}

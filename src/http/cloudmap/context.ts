import type { Registry } from '../../core/registry.js';
import type { GrapevineNode } from '../../runtime/node.js';
import type { ApiDeps } from '../types.js';
import type { Members } from './input.js';
import type { OperationLog } from './operations.js';
import type { RevisionTracker } from './revision.js';

/** CmContext is what every Cloud Map operation handler gets: the daemon and the adapter's own state. */
export interface CmContext {
  deps: ApiDeps;
  node: GrapevineNode;
  reg: Registry;
  ops: OperationLog;
  revisions: RevisionTracker;
  /** region is taken from the request's SigV4 credential scope (for ARNs). */
  region: string;
  /** cmd is the CommandContext of native commands (this node, now). */
  cmd(): { node: string; nowMs: number };
}

/** CmHandler answers one Cloud Map operation with its output members (undefined: an empty body). */
export type CmHandler = (c: CmContext, input: Members) => Promise<Record<string, unknown> | undefined> | Record<string, unknown> | undefined;

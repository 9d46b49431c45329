import { MAX_CLOCK_DRIFT_MS, hlcTooFarAhead } from '../hlc.js';
import { parseKey } from '../keys.js';
import type { Rec } from '../records.js';

/** MAX_NODE_NAME_CHARS bounds the writer name of a record taken from the wire. */
export const MAX_NODE_NAME_CHARS = 256;

/**
 * validateRecord checks one record from the wire and returns a clean copy, or
 * undefined when it must be dropped: a key that does not parse, a version that is not
 * a safe integer, a writer name that is not a short string, an HLC too far in the
 * future (more than maxDriftMs ahead of nowMs: it would win every merge for that long), or a body whose namespace, service or
 * id disagree with its key. Only known fields are copied, so no junk is stored.
 */
export function validateRecord(raw: unknown, nowMs: number, maxDriftMs = MAX_CLOCK_DRIFT_MS): Rec | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  const { key, hlc, node, seq, value, deletedAtMs } = r;
  if (typeof key !== 'string') return undefined;
  const p = parseKey(key);
  if (!p) return undefined;
  if (typeof hlc !== 'number' || !Number.isSafeInteger(hlc) || hlc < 0) return undefined;
  if (hlcTooFarAhead(hlc, nowMs, maxDriftMs)) return undefined;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return undefined;
  if (typeof node !== 'string' || node.length === 0 || node.length > MAX_NODE_NAME_CHARS) return undefined;
  if (deletedAtMs !== undefined && (typeof deletedAtMs !== 'number' || !Number.isSafeInteger(deletedAtMs))) return undefined;
  if (value !== null) {
    if (typeof value !== 'object' || value === undefined || Array.isArray(value)) return undefined;
    const v = value as Record<string, unknown>;
    switch (p.kind) {
      case 'n':
        if (v.name !== p.ns) return undefined;
        break;
      case 's':
        if (v.namespace !== p.ns || v.name !== p.svc) return undefined;
        break;
      case 'i':
        if (v.namespace !== p.ns || v.service !== p.svc || v.id !== p.id || typeof v.owner !== 'string') return undefined;
        break;
      case 'h':
        if (typeof v.status !== 'string') return undefined;
        break;
    }
  }
  const out: Rec = { key, value, hlc, node, seq };
  if (deletedAtMs !== undefined) out.deletedAtMs = deletedAtMs as number;
  return out;
}

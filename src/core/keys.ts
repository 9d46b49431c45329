/**
 * Record keys. '|' cannot occur in a namespace name, a service name or an instance
 * id (see validate.ts), so the parts of a key never run into each other.
 */

/** RecordKind is the first part of every key: namespace, service, instance, health or ACL token. */
export type RecordKind = 'n' | 's' | 'i' | 'h' | 't';

/** namespaceKey names a namespace record. */
export function namespaceKey(ns: string): string {
  return `n|${ns}`;
}
/** serviceKey names a service record. */
export function serviceKey(ns: string, svc: string): string {
  return `s|${ns}|${svc}`;
}
/** instanceKey names an instance record. */
export function instanceKey(ns: string, svc: string, id: string): string {
  return `i|${ns}|${svc}|${id}`;
}
/** healthKey names the health record of an instance. */
export function healthKey(ns: string, svc: string, id: string): string {
  return `h|${ns}|${svc}|${id}`;
}

/** tokenKey names an ACL token record by its accessor id (a token has no namespace: ns is ''). */
export function tokenKey(accessorId: string): string {
  return `t|${accessorId}`;
}

/** ParsedKey is a key split into its kind and parts. */
export interface ParsedKey {
  kind: RecordKind;
  ns: string;
  svc?: string;
  id?: string;
}

/** parseKey splits a key; it returns undefined for a key of no known shape (bad gossip input). */
export function parseKey(key: string): ParsedKey | undefined {
  if (typeof key !== 'string' || key.length > 600) return undefined;
  const parts = key.split('|');
  switch (parts[0]) {
    case 'n':
      return parts.length === 2 && parts[1] ? { kind: 'n', ns: parts[1] } : undefined;
    case 's':
      return parts.length === 3 && parts[1] && parts[2] ? { kind: 's', ns: parts[1], svc: parts[2] } : undefined;
    case 'i':
    case 'h':
      return parts.length === 4 && parts[1] && parts[2] && parts[3]
        ? { kind: parts[0], ns: parts[1], svc: parts[2], id: parts[3] }
        : undefined;
    case 't':
      return parts.length === 2 && parts[1] ? { kind: 't', ns: '', id: parts[1] } : undefined;
    default:
      return undefined;
  }
}

/**
 * Readers for Cloud Map request members: each refusal is InvalidInput naming the member
 * as the model spells it. Pagination tokens are opaque: the sort key to continue after.
 */
import { CloudMapError, cmInvalid } from './errors.js';

/** Members is a request body whose members are not checked yet. */
export type Members = Record<string, unknown>;

/** members checks that a body is a JSON object (the SDK sends `{}` without input). */
export function members(body: unknown): Members {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new CloudMapError('SerializationException', 'the body must be a JSON object');
  return body as Members;
}

/** reqString reads a required string member of 1..max characters. */
export function reqString(o: Members, k: string, max: number, field = k): string {
  const v = o[k];
  if (typeof v !== 'string' || v.length === 0) throw cmInvalid(field, 'is required (a non-empty string)');
  if (v.length > max) throw cmInvalid(field, `must be at most ${max} characters`);
  return v;
}

/** optString reads an optional string member of at most max characters. */
export function optString(o: Members, k: string, max: number, field = k): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw cmInvalid(field, 'must be a string');
  if (v.length > max) throw cmInvalid(field, `must be at most ${max} characters`);
  return v;
}

/** optInt reads an optional integer member within [min, max]. */
export function optInt(o: Members, k: string, min: number, max: number, field = k): number | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw cmInvalid(field, `must be an integer ${min}-${max}`);
  return v;
}

/** optObject reads an optional object member. */
export function optObject(o: Members, k: string, field = k): Members | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw cmInvalid(field, 'must be an object');
  return v as Members;
}

/** optEnum reads an optional member that must be one of `values`. */
export function optEnum<T extends string>(o: Members, k: string, values: readonly T[], field = k): T | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !values.includes(v as T)) throw cmInvalid(field, `must be one of ${values.join(', ')}`);
  return v as T;
}

/** stringMap reads a member that is a map of strings (Attributes, QueryParameters). */
export function stringMap(o: Members, k: string, required: boolean, maxEntries: number): Record<string, string> | undefined {
  const v = o[k];
  if (v === undefined || v === null) {
    if (required) throw cmInvalid(k, 'is required');
    return undefined;
  }
  if (typeof v !== 'object' || Array.isArray(v)) throw cmInvalid(k, 'must be a map of strings');
  const out: Record<string, string> = {};
  const entries = Object.entries(v as Members);
  if (entries.length > maxEntries) throw cmInvalid(k, `at most ${maxEntries} entries`);
  for (const [key, val] of entries) {
    if (typeof val !== 'string') throw cmInvalid(`${k}.${key.slice(0, 64)}`, 'must be a string');
    out[key] = val;
  }
  return out;
}

/** MAX_TAGS_PER_RESOURCE is Cloud Map's limit on a resource's tags. */
export const MAX_TAGS_PER_RESOURCE = 50;

/** readTags reads a `Tags: [{Key, Value}]` member into a map; more than 50 is TooManyTagsException. */
export function readTags(o: Members, k: string, required: boolean, resourceName = ''): Record<string, string> | undefined {
  const v = o[k];
  if (v === undefined || v === null) {
    if (required) throw cmInvalid(k, 'is required');
    return undefined;
  }
  if (!Array.isArray(v)) throw cmInvalid(k, 'must be a list of {Key, Value}');
  if (v.length > MAX_TAGS_PER_RESOURCE) throw new CloudMapError('TooManyTagsException', `at most ${MAX_TAGS_PER_RESOURCE} tags`, { ResourceName: resourceName });
  const out: Record<string, string> = {};
  v.forEach((t, i) => {
    const to = (typeof t === 'object' && t !== null && !Array.isArray(t) ? t : {}) as Members;
    const key = reqString(to, 'Key', 128, `${k}[${i}].Key`);
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') throw cmInvalid(`${k}[${i}].Key`, 'is not allowed');
    const val = to.Value;
    if (typeof val !== 'string' || val.length > 256) throw cmInvalid(`${k}[${i}].Value`, 'must be a string of at most 256 characters');
    out[key] = val;
  });
  return out;
}

/** tagList shows a tag map as Cloud Map's list. */
export function tagList(tags: Record<string, string> | undefined): { Key: string; Value: string }[] {
  return Object.entries(tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
}

/** Page is one page of a sorted list and the token of the next one. */
export interface Page<T> {
  items: T[];
  next?: string;
}

/**
 * paginate cuts a list sorted by `keyOf` after the token's key; MaxResults is 1-100
 * (default 100) as in the model.
 */
export function paginate<T>(o: Members, list: T[], keyOf: (t: T) => string, maxDefault = 100): Page<T> {
  const max = optInt(o, 'MaxResults', 1, 100) ?? maxDefault;
  const token = optString(o, 'NextToken', 4096);
  let start = 0;
  if (token !== undefined) {
    let after: string;
    try {
      after = Buffer.from(token, 'base64url').toString('utf8');
    } catch {
      throw cmInvalid('NextToken', 'is not a token this API gave out');
    }
    if (!after.startsWith('gv1:')) throw cmInvalid('NextToken', 'is not a token this API gave out');
    after = after.slice(4);
    while (start < list.length && keyOf(list[start]!) <= after) start++;
  }
  const items = list.slice(start, start + max);
  const more = start + max < list.length;
  return more ? { items, next: Buffer.from('gv1:' + keyOf(items[items.length - 1]!)).toString('base64url') } : { items };
}

/** epochSeconds turns epoch ms into Cloud Map's timestamp (epoch seconds, ms precision). */
export function epochSeconds(ms: number): number {
  return ms / 1000;
}

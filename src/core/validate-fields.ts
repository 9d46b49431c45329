/**
 * The field readers every validator is built from: a JSON object with known fields,
 * bounded strings, integers in a range, one of a set of words. Each refusal is
 * InvalidInput naming the field (src/core/validate.ts re-exports these).
 */
import { invalid } from './errors.js';

/** Obj is a parsed JSON object whose fields are not checked yet. */
export type Obj = Record<string, unknown>;

/** asObject checks that a value is a plain JSON object and that it has only known fields. */
export function asObject(v: unknown, field: string, allowed: readonly string[]): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(field, 'must be an object');
  for (const k of Object.keys(v)) if (!allowed.includes(k)) throw invalid(field ? `${field}.${k}` : k, 'unknown field');
  return v as Obj;
}

/** optString reads an optional bounded string field. */
export function optString(o: Obj, key: string, field: string, maxChars: number): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalid(field, 'must be a string');
  if (v.length > maxChars) throw invalid(field, `must be at most ${maxChars} characters`);
  return v;
}

/** optInt reads an optional integer field within [min, max]; out-of-range values are refused, never clamped. */
export function optInt(o: Obj, key: string, field: string, min: number, max: number): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(field, 'must be an integer');
  if (v < min || v > max) throw invalid(field, `must be between ${min} and ${max}`);
  return v;
}

/** oneOf checks that a value is one of the given words. */
export function oneOf<T extends string>(v: unknown, field: string, values: readonly T[]): T {
  if (typeof v !== 'string' || !values.includes(v as T)) throw invalid(field, `must be one of ${values.join(', ')}`);
  return v as T;
}

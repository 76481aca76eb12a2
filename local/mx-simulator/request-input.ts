// Small validators for request bodies and query strings; each failure is a 400 that names
// the offending field (and never echoes its value, which may be a credential).
import { badRequest } from './errors.js';

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The envelope's inner object, e.g. `{"member": {...}}` -> `{...}`. */
export function envelope(body: unknown, key: string): JsonObject {
  if (!isObject(body) || !isObject(body[key]))
    throw badRequest(`request body must be a JSON object with a "${key}" object`);
  return body[key];
}

export function optionalString(obj: JsonObject, key: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`${key} must be a string`);
  return v;
}

export function optionalBoolean(obj: JsonObject, key: string): boolean | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw badRequest(`${key} must be a boolean`);
  return v;
}

/** Query booleans: only "true"/"false" (case-insensitive) are accepted. */
export function queryBoolean(query: URLSearchParams, key: string): boolean | undefined {
  const v = query.get(key);
  if (v === null || v === '') return undefined;
  if (/^true$/i.test(v)) return true;
  if (/^false$/i.test(v)) return false;
  throw badRequest(`${key} must be true or false`);
}

/** YYYY-MM-DD query date, validated as a real calendar date. */
export function queryDate(query: URLSearchParams, key: string): string | undefined {
  const v = query.get(key);
  if (v === null || v === '') return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v) {
    throw badRequest(`${key} must be a date formatted YYYY-MM-DD`);
  }
  return v;
}

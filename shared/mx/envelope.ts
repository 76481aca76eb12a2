import type { PaginationResponse } from 'mx-platform-node';
import { MxError } from './errors.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function invalid(operation: string, status: number, what: string): MxError {
  return new MxError({ operation, status, code: 'MX_INVALID_RESPONSE', mxMessage: what });
}

/** `{ "member": {...} }` → the member; anything else is an invalid answer, never a silent undefined. */
export function unwrapResource<T>(operation: string, status: number, body: unknown, key: string): T {
  const resource = isObject(body) ? body[key] : undefined;
  if (!isObject(resource)) throw invalid(operation, status, `expected an object under "${key}"`);
  if ('guid' in resource && resource.guid !== null && typeof resource.guid !== 'string') {
    throw invalid(operation, status, `"${key}.guid" is not a string`);
  }
  return resource as T;
}

export interface UnwrappedList<T> {
  readonly items: T[];
  readonly pagination: Required<PaginationResponse>;
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** `{ "accounts": [...], "pagination": {...} }` → items and a complete pagination block. */
export function unwrapList<T>(operation: string, status: number, body: unknown, key: string): UnwrappedList<T> {
  // MX answers some empty lists (a member's challenges when it is not CHALLENGED) with 204.
  if (status === 204)
    return { items: [], pagination: { current_page: 1, per_page: 0, total_entries: 0, total_pages: 0 } };
  const items = isObject(body) ? body[key] : undefined;
  if (!Array.isArray(items) || !items.every(isObject)) {
    throw invalid(operation, status, `expected a list of objects under "${key}"`);
  }
  const raw = isObject(body) && isObject(body.pagination) ? body.pagination : undefined;
  // A list without pagination is one page holding everything.
  if (raw === undefined) {
    return {
      items: items as T[],
      pagination: { current_page: 1, per_page: items.length, total_entries: items.length, total_pages: 1 },
    };
  }
  const { current_page, per_page, total_entries, total_pages } = raw;
  if (!isCount(current_page) || !isCount(per_page) || !isCount(total_entries) || !isCount(total_pages)) {
    throw invalid(operation, status, 'pagination fields are not whole numbers');
  }
  return { items: items as T[], pagination: { current_page, per_page, total_entries, total_pages } };
}

// MX list paging: `page` (from 1) and `records_per_page` (default 25; 10–100 for
// /institutions, 10–1000 elsewhere). A records_per_page out of its range falls back to 25
// without an error, as MX does; a value that is not a whole number is a 400 naming it.
import type { PaginationResponse } from 'mx-platform-node';
import { badRequest } from './errors.js';

export interface PageRequest {
  page: number;
  perPage: number;
}

const DEFAULT_PER_PAGE = 25;
const MIN_PER_PAGE = 10;

function integerParam(query: URLSearchParams, key: string, fallback: number): number {
  const raw = query.get(key);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw badRequest(`${key} must be a positive integer`);
  return Number(raw);
}

export function pageRequest(query: URLSearchParams, maxPerPage: number): PageRequest {
  const page = integerParam(query, 'page', 1);
  if (page < 1) throw badRequest('page must be a positive integer');
  const perPage = integerParam(query, 'records_per_page', DEFAULT_PER_PAGE);
  return { page, perPage: perPage < MIN_PER_PAGE || perPage > maxPerPage ? DEFAULT_PER_PAGE : perPage };
}

export function paginationOf(total: number, p: PageRequest): PaginationResponse {
  return { current_page: p.page, per_page: p.perPage, total_entries: total, total_pages: Math.ceil(total / p.perPage) };
}

export function offsetOf(p: PageRequest): number {
  return (p.page - 1) * p.perPage;
}

export function paginate<T>(items: T[], p: PageRequest): { items: T[]; pagination: PaginationResponse } {
  const start = offsetOf(p);
  return { items: items.slice(start, start + p.perPage), pagination: paginationOf(items.length, p) };
}

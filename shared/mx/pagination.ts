import type { UnwrappedList } from './envelope.js';
import { isMxError } from './errors.js';

/** Largest `records_per_page` MX allows: 100 for institutions, 1000 for every other list. */
export const MAX_PAGE_SIZE = { institutions: 100, default: 1000 } as const;
/** Smallest `records_per_page` MX honours; below it (as above the largest) MX answers 25 a page. */
export const MIN_PAGE_SIZE = 10;

export interface MxPage<T> {
  readonly items: T[];
  /** 1-based page number. */
  readonly page: number;
  readonly totalPages: number;
  readonly totalEntries: number;
}

/** 10,000 pages of 1,000: far beyond any member's history. */
const MAX_PAGES = 10_000;

/** Tries of one page after a transient failure (429, 5xx, time-out, dropped connection). */
export const PAGE_RETRIES = 2;
const PAGE_RETRY_BASE_MS = 250;
const PAGE_RETRY_MAX_MS = 5_000;

/**
 * One page, tried again in place when MX fails transiently: a list of many pages must not
 * start over from page 1 (the caller's only option once the walk has thrown) for one bad
 * answer. Waits as MX's Retry-After asks, else 250 ms, then 500 ms.
 */
async function fetchWithRetry<T>(
  fetchPage: (page: number) => Promise<UnwrappedList<T>>,
  page: number,
  retries: number,
  baseMs: number,
): Promise<UnwrappedList<T>> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await fetchPage(page);
    } catch (error) {
      if (attempt >= retries || !isMxError(error) || !error.retryable) throw error;
      const asked = (error.retryAfterSeconds ?? 0) * 1000;
      // Never sooner than MX asked: a longer Retry-After is the workflow step's wait, not a sleeping Lambda's.
      if (asked > PAGE_RETRY_MAX_MS) throw error;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(PAGE_RETRY_MAX_MS, Math.max(asked, baseMs * 2 ** attempt))),
      );
    }
  }
}

/**
 * Walks a list page by page, asking for each page only when the consumer wants it, so a
 * caller can write one page before reading the next. Starts at `firstPage` (a copy resumed
 * where an earlier step stopped). Stops at the page count MX gave on the first page asked,
 * or at an empty page, so a misbehaving answer cannot loop for ever.
 */
export async function* paginate<T>(
  fetchPage: (page: number) => Promise<UnwrappedList<T>>,
  retries = PAGE_RETRIES,
  retryBaseMs = PAGE_RETRY_BASE_MS,
  firstPage = 1,
): AsyncGenerator<MxPage<T>> {
  let lastPage = firstPage;
  for (let page = firstPage; page <= lastPage; page += 1) {
    const { items, pagination } = await fetchWithRetry(fetchPage, page, retries, retryBaseMs);
    // A page count no real member reaches is a broken answer, not work to do.
    if (page === firstPage) lastPage = Math.min(pagination.total_pages, MAX_PAGES);
    yield { items, page, totalPages: lastPage, totalEntries: pagination.total_entries };
    if (items.length === 0) return;
  }
}

/** All items of a paged list, for lists known to be small (institution credentials, challenges). */
export async function collectItems<T>(pages: AsyncIterable<MxPage<T>>): Promise<T[]> {
  const all: T[] = [];
  for await (const { items } of pages) all.push(...items);
  return all;
}

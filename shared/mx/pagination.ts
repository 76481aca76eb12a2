import type { UnwrappedList } from './envelope.js';

/** Largest `records_per_page` MX allows: 100 for institutions, 1000 for every other list. */
export const MAX_PAGE_SIZE = { institutions: 100, default: 1000 } as const;

export interface MxPage<T> {
  readonly items: T[];
  /** 1-based page number. */
  readonly page: number;
  readonly totalPages: number;
  readonly totalEntries: number;
}

/**
 * Walks a list page by page, asking for each page only when the consumer wants it, so a
 * caller can write one page before reading the next. Stops at the page count MX gave on the
 * first page, or at an empty page, so a misbehaving answer cannot loop for ever.
 */
export async function* paginate<T>(fetchPage: (page: number) => Promise<UnwrappedList<T>>): AsyncGenerator<MxPage<T>> {
  let lastPage = 1;
  for (let page = 1; page <= lastPage; page += 1) {
    const { items, pagination } = await fetchPage(page);
    if (page === 1) lastPage = pagination.total_pages;
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

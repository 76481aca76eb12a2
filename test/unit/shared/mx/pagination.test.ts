import { describe, expect, it, vi } from 'vitest';
import type { UnwrappedList } from '#shared/mx/envelope.js';
import { MxError } from '#shared/mx/errors.js';
import { collectItems, paginate } from '#shared/mx/pagination.js';

type Answer = UnwrappedList<{ guid: string }> | MxError;

/** A page source answering from a script, one entry per call, recording which page each call asked for. */
function scriptedPages(script: Answer[]) {
  const asked: number[] = [];
  const fetchPage = async (page: number) => {
    asked.push(page);
    const answer = script.shift();
    if (answer === undefined) throw new Error('asked for more pages than scripted');
    if (answer instanceof MxError) throw answer;
    return answer;
  };
  return { asked, fetchPage };
}

const page = (guids: string[], totalPages: number): UnwrappedList<{ guid: string }> => ({
  items: guids.map((guid) => ({ guid })),
  pagination: { current_page: 1, per_page: 1000, total_entries: guids.length * totalPages, total_pages: totalPages },
});
const failure = (status: number, retryAfterSeconds?: number) =>
  new MxError({
    operation: 'listMemberAccounts',
    status,
    code: status === 429 ? 'MX_RATE_LIMITED' : 'MX_SERVER_ERROR',
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });

describe('paginate', () => {
  it('walks every page MX announced on the first one, asking for each in turn', async () => {
    const { asked, fetchPage } = scriptedPages([page(['A', 'B'], 3), page(['C'], 3), page(['D'], 3)]);

    const items = await collectItems(paginate(fetchPage));

    expect(items.map((i) => i.guid)).toEqual(['A', 'B', 'C', 'D']);
    expect(asked).toEqual([1, 2, 3]);
  });

  it('tries a page that failed transiently again in place, not from page 1', async () => {
    const { asked, fetchPage } = scriptedPages([page(['A'], 2), failure(503), page(['B'], 2)]);

    const items = await collectItems(paginate(fetchPage, 2, 1));

    expect(items.map((i) => i.guid)).toEqual(['A', 'B']);
    expect(asked).toEqual([1, 2, 2]);
  });

  it('gives the page up after its retries, with the last failure', async () => {
    const { asked, fetchPage } = scriptedPages([failure(500), failure(502), failure(503)]);

    const error = await collectItems(paginate(fetchPage, 2, 1)).catch((e: unknown) => e);

    expect(error).toMatchObject({ status: 503, retryable: true });
    expect(asked).toEqual([1, 1, 1]);
  });

  it('leaves a Retry-After longer than 5 s to the caller instead of sleeping through it', async () => {
    const { asked, fetchPage } = scriptedPages([failure(429, 30), page(['A'], 1)]);

    const error = await collectItems(paginate(fetchPage, 2, 1)).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'MX_RATE_LIMITED', retryAfterSeconds: 30 });
    expect(asked).toEqual([1]);
  });

  it('never tries a page again sooner than MX asked', async () => {
    vi.useFakeTimers();
    try {
      const { asked, fetchPage } = scriptedPages([failure(429, 2), page(['A'], 1)]);

      const walk = collectItems(paginate(fetchPage, 2, 1));
      await vi.advanceTimersByTimeAsync(1_999);
      const beforeRetryAfter = [...asked];
      await vi.advanceTimersByTimeAsync(1);

      expect(beforeRetryAfter).toEqual([1]);
      expect((await walk).map((i) => i.guid)).toEqual(['A']);
      expect(asked).toEqual([1, 1]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops at an empty page even when MX announced more', async () => {
    const { asked, fetchPage } = scriptedPages([page(['A'], 5), page([], 5)]);

    const items = await collectItems(paginate(fetchPage));

    expect(items).toHaveLength(1);
    expect(asked).toEqual([1, 2]);
  });
});

import { describe, expect, it } from 'vitest';
import { fetchResultsStep } from '#shared/jobs/fetch-results.js';
import { initialProgress, type Progress } from '#shared/jobs/progress.js';
import { WORKFLOW_ERRORS } from '#shared/jobs/workflow-errors.js';
import { ProgressSchema } from '#shared/jobs/workflow-events.js';
import type { MxPage } from '#shared/mx/index.js';
import { FakeMx, mxError } from '#test/support/fakes/mx.js';
import { fakeWorkflow } from '#test/support/fakes/workflow-deps.js';

const polled: Progress = { ...initialProgress(3), next: 'FETCH_RESULTS', connectionStatus: 'CONNECTED', pollCount: 4 };
const rows = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => ({ guid: `${prefix}-${i}` }));

/**
 * MX in memory that starts a listing at the page asked for, records each page it serves and
 * can fail one given page, the way the real list endpoints page.
 */
class PagedMx extends FakeMx {
  readonly pagesServed: string[] = [];
  private readonly failAt = new Map<string, unknown>();

  failPage(list: string, page: number, error: unknown): void {
    this.failAt.set(`${list}#${page}`, error);
  }

  override listMemberAccounts(_user?: string, _member?: string, fromPage = 1) {
    return this.paged('accounts', this.accounts, fromPage);
  }

  override listTransactionsByAccount(_user: string, accountGuid: string, _range = {}, fromPage = 1) {
    return this.paged(accountGuid, this.transactionsByAccount[accountGuid] ?? [], fromPage);
  }

  private async *paged<T>(list: string, items: readonly T[], fromPage: number): AsyncGenerator<MxPage<T>> {
    const totalPages = Math.max(1, Math.ceil(items.length / this.pageSize));
    for (let page = fromPage; page <= totalPages; page += 1) {
      const error = this.failAt.get(`${list}#${page}`);
      if (error !== undefined) {
        this.failAt.delete(`${list}#${page}`);
        throw error;
      }
      this.pagesServed.push(`${list}#${page}`);
      const slice = items.slice((page - 1) * this.pageSize, page * this.pageSize);
      yield { items: structuredClone(slice), page, totalPages, totalEntries: items.length };
    }
  }
}

/** An aggregation of two accounts with 10 and 6 transactions, 2 a page: 1 + 5 + 3 pages at MX. */
function manyPages(bound: { seconds: number; pages: number }) {
  const w = fakeWorkflow({ jobType: 'aggregate' });
  const mx = new PagedMx();
  mx.accounts = [{ guid: 'ACT-1' }, { guid: 'ACT-2' }];
  mx.transactionsByAccount = { 'ACT-1': rows('TRN-1', 10), 'ACT-2': rows('TRN-2', 6) };
  const deps = { ...w.deps, mx, fetchConcurrency: 1, copyBound: bound };
  const step = (progress: Progress) => fetchResultsStep(deps, { job: w.job, includeTransactions: true, progress });
  return { ...w, mx, step };
}

/** Runs steps as the state machine loops them, until one is not FETCH_RESULTS; the states it went through. */
async function copyToTheEnd(step: (p: Progress) => Promise<Progress>, from: Progress): Promise<Progress[]> {
  const states: Progress[] = [];
  let progress = from;
  do {
    // Through the state: what the next invocation is handed is what its schema lets in.
    progress = ProgressSchema.parse(JSON.parse(JSON.stringify(await step(progress)))) as Progress;
    states.push(progress);
  } while (progress.next === 'FETCH_RESULTS' && states.length < 50);
  return states;
}

describe('fetchResultsStep: a copy in bounded steps', () => {
  it('stops at the page bound with a cursor, and the next step goes on at the page it reached', async () => {
    const w = manyPages({ seconds: 60, pages: 3 });

    const first = await w.step(polled);
    const second = await w.step(first);

    expect(first).toMatchObject({
      next: 'FETCH_RESULTS',
      counts: { accounts: 2, transactions: 4 },
      copy: { pages: { accounts: 0 }, accountGuids: ['ACT-1', 'ACT-2'], transactionPages: [3, 1] },
    });
    expect(second).toMatchObject({ next: 'FETCH_RESULTS', counts: { transactions: 10 } });
    expect(w.mx.pagesServed).toEqual(['accounts#1', 'ACT-1#1', 'ACT-1#2', 'ACT-1#3', 'ACT-1#4', 'ACT-1#5']);
  });

  it('copies every row over several steps, asks MX for each page once and then records success', async () => {
    const w = manyPages({ seconds: 60, pages: 2 });

    const states = await copyToTheEnd(w.step, polled);

    const last = states.at(-1);
    expect(states.length).toBe(5);
    expect(last).toMatchObject({ next: 'RECORD_SUCCESS', counts: { accounts: 2, transactions: 16 } });
    expect(last?.copy).toBeUndefined();
    expect(w.results.stored(w.job.memberGuid, 'transactions', w.job.jobGuid)).toHaveLength(16);
    expect(new Set(w.mx.pagesServed).size).toBe(w.mx.pagesServed.length);
    expect(w.mx.pagesServed).toHaveLength(9);
  });

  it('stops at the time bound after the page in hand, however many pages are left', async () => {
    const w = manyPages({ seconds: 1, pages: 100 });
    let elapsed = 0;
    // Each look at the clock finds 0.6 s more gone: the second page is asked at 0.6 s, the third would be at 1.2 s.
    const deps = { ...w.deps, mx: w.mx, fetchConcurrency: 1, copyBound: { seconds: 1, pages: 100 } };
    const timed = { ...deps, elapsedMs: () => (elapsed += 600) };

    const first = await fetchResultsStep(timed, { job: w.job, includeTransactions: true, progress: polled });

    expect(first.next).toBe('FETCH_RESULTS');
    expect(w.mx.pagesServed).toEqual(['accounts#1', 'ACT-1#1']);
  });

  it('after a failure in step 3 the retry of that step resumes at its cursor, not at page 1', async () => {
    const w = manyPages({ seconds: 60, pages: 2 });
    const first = await w.step(polled);
    const second = await w.step(first);
    w.mx.failPage('ACT-1', 5, mxError(503));

    await expect(w.step(second)).rejects.toMatchObject({ name: WORKFLOW_ERRORS.mxTransient });
    const states = await copyToTheEnd(w.step, second);

    expect(states.at(-1)).toMatchObject({ next: 'RECORD_SUCCESS', counts: { accounts: 2, transactions: 16 } });
    // Step 3 served ACT-1#4 before the failure: that page alone is asked twice.
    const asked = w.mx.pagesServed;
    expect(asked.filter((p) => p === 'ACT-1#4')).toHaveLength(2);
    expect(asked.filter((p) => p === 'ACT-1#1' || p === 'accounts#1')).toHaveLength(2);
    expect(asked).toHaveLength(10);
  });

  it('after MX’s 429 mid-copy waits, then goes on from the pages already copied', async () => {
    const w = manyPages({ seconds: 60, pages: 100 });
    w.mx.failPage('ACT-1', 3, mxError(429, { retryAfterSeconds: 12 }));

    const limited = await w.step(polled);
    const states = await copyToTheEnd(w.step, { ...limited, next: 'FETCH_RESULTS' });

    expect(limited).toMatchObject({ next: 'RETRY_FETCH', retryWaits: 1, copy: { transactionPages: [3, 1] } });
    expect(limited.waitSeconds).toBeGreaterThanOrEqual(12);
    expect(states.at(-1)).toMatchObject({ next: 'RECORD_SUCCESS', counts: { accounts: 2, transactions: 16 } });
    expect(w.mx.pagesServed).toHaveLength(9);
  });

  it('checks whether MX refreshed an aggregation once, in the first step only', async () => {
    const w = manyPages({ seconds: 60, pages: 2 });
    w.jobs.add({ ...w.job, type: 'aggregate' }, { mx_aggregated_before: '2026-11-30T10:00:00Z' });
    w.mx.member = { ...w.mx.member, successfully_aggregated_at: '2026-12-01T00:05:00Z' };

    const states = await copyToTheEnd(w.step, polled);

    expect(states.at(-1)?.counts).toEqual({ accounts: 2, transactions: 16, refreshed: true });
    expect(w.mx.count('readMember')).toBe(1);
  });

  it('keeps guids and page numbers only in the cursor it hands on', async () => {
    const w = manyPages({ seconds: 60, pages: 1 });
    w.mx.accounts = [{ guid: 'ACT-1', account_number: '123456789', name: 'Checking' }];

    const first = await w.step(polled);

    expect(JSON.stringify(first.copy)).not.toContain('123456789');
    expect(first.copy).toEqual({ pages: { accounts: 0 }, accountGuids: ['ACT-1'], transactionPages: [1] });
  });
});

import { describe, expect, it, vi } from 'vitest';
import { fetchResultsStep } from '#shared/jobs/fetch-results.js';
import { initialProgress } from '#shared/jobs/progress.js';
import { WORKFLOW_ERRORS } from '#shared/jobs/workflow-errors.js';
import { mxError } from '#test/support/fakes/mx.js';
import { fakeWorkflow } from '#test/support/fakes/workflow-deps.js';

const polled = { ...initialProgress(3), next: 'FETCH_RESULTS' as const, connectionStatus: 'CONNECTED', pollCount: 4 };
const accounts = [{ guid: 'ACT-1' }, { guid: 'ACT-2' }, { guid: 'ACT-3' }];
const rows = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => ({ guid: `${prefix}-${i}` }));

/** A job whose MX job ended CONNECTED, with three accounts and their results at MX. */
function connected(jobType: 'aggregate' | 'verify' | 'identify') {
  const w = fakeWorkflow({ jobType });
  w.mx.accounts = accounts;
  w.mx.accountNumbers = [
    { guid: 'ACN-1', account_guid: 'ACT-1', passed_validation: true },
    { guid: 'ACN-2', account_guid: 'ACT-2', passed_validation: false },
  ];
  w.mx.accountOwners = rows('ACO', 3);
  w.mx.transactionsByAccount = { 'ACT-1': rows('TRN-1', 5), 'ACT-2': rows('TRN-2', 4), 'ACT-3': [] };
  return w;
}

describe('fetchResultsStep: copying a job’s results', () => {
  it('copies an aggregation’s accounts and every account’s transactions, page by page, then records success', async () => {
    const w = connected('aggregate');

    const progress = await fetchResultsStep(w.deps, { job: w.job, includeTransactions: true, progress: polled });

    expect(progress).toMatchObject({
      next: 'RECORD_SUCCESS',
      reason: null,
      pollCount: 4,
      counts: { accounts: 3, transactions: 9 },
    });
    expect(w.results.stored(w.job.memberGuid, 'transactions')).toHaveLength(9);
    expect(w.mx.count('listTransactionsByAccount')).toBe(3);
  });

  it('copies no transactions when the aggregation was started without them', async () => {
    const w = connected('aggregate');

    const progress = await fetchResultsStep(w.deps, { job: w.job, includeTransactions: false, progress: polled });

    expect(progress.counts).toEqual({ accounts: 3 });
    expect(w.mx.count('listTransactionsByAccount')).toBe(0);
  });

  it('copies a verification’s account numbers and counts those MX could not validate', async () => {
    const w = connected('verify');

    const progress = await fetchResultsStep(w.deps, { job: w.job, includeTransactions: true, progress: polled });

    expect(progress.counts).toEqual({ accounts: 3, account_numbers: 2, account_numbers_not_validated: 1 });
    expect(w.mx.count('listAccountOwnersByMember')).toBe(0);
  });

  it('copies an identification’s account owners', async () => {
    const w = connected('identify');

    const progress = await fetchResultsStep(w.deps, { job: w.job, includeTransactions: true, progress: polled });

    expect(progress.counts).toEqual({ accounts: 3, account_owners: 3 });
  });

  it.each([
    ['2026-12-01T00:05:00Z', true],
    ['2026-11-30T10:00:00Z', false],
  ])('says whether MX refreshed an aggregation (aggregated at %s: refreshed %s)', async (after, refreshed) => {
    const w = connected('aggregate');
    w.jobs.add({ ...w.job, type: 'aggregate' }, { mx_aggregated_before: '2026-11-30T10:00:00Z' });
    w.mx.member = { ...w.mx.member, successfully_aggregated_at: after };
    const jobReads = vi.spyOn(w.jobs, 'getJob');

    const progress = await fetchResultsStep(w.deps, { job: w.job, includeTransactions: false, progress: polled });

    expect(progress.counts).toEqual({ accounts: 3, refreshed });
    // The job as the step read it to check it still runs: not read again for the refresh.
    expect(jobReads).toHaveBeenCalledTimes(1);
  });

  it('checks the refresh before the copy: a 429 on the member read waits and costs no copy', async () => {
    const w = connected('aggregate');
    w.jobs.add({ ...w.job, type: 'aggregate' }, { mx_aggregated_before: '2026-11-30T10:00:00Z' });
    w.mx.failNext('readMember', mxError(429, { retryAfterSeconds: 30 }));

    const progress = await fetchResultsStep(w.deps, { job: w.job, includeTransactions: true, progress: polled });

    expect(progress).toMatchObject({ next: 'RETRY_FETCH', retryWaits: 1 });
    expect(progress.waitSeconds).toBeGreaterThanOrEqual(30);
    expect(w.results.writes).toBe(0);
    expect(w.mx.count('listMemberAccounts')).toBe(0);
  });

  it('after a 429 in the middle of the copy waits at least Retry-After, then the next copy rewrites the same rows', async () => {
    const w = connected('aggregate');
    w.mx.failNext('listTransactionsByAccount', mxError(429, { retryAfterSeconds: 12 }));

    const limited = await fetchResultsStep(w.deps, { job: w.job, includeTransactions: true, progress: polled });
    const again = await fetchResultsStep(w.deps, { job: w.job, includeTransactions: true, progress: limited });

    expect(limited.next).toBe('RETRY_FETCH');
    expect(limited.waitSeconds).toBeGreaterThanOrEqual(12);
    expect(again).toMatchObject({ next: 'RECORD_SUCCESS', retryWaits: 0, counts: { accounts: 3, transactions: 9 } });
    expect(w.results.stored(w.job.memberGuid, 'accounts')).toHaveLength(3);
  });

  it('hands MX’s 5xx to the state machine’s retry under the transient error name', async () => {
    const w = connected('identify');
    w.mx.failNext('listAccountOwnersByMember', mxError(503));

    await expect(
      fetchResultsStep(w.deps, { job: w.job, includeTransactions: true, progress: polled }),
    ).rejects.toMatchObject({
      name: WORKFLOW_ERRORS.mxTransient,
    });
  });
});

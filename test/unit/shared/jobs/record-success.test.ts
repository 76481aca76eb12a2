import { describe, expect, it } from 'vitest';
import { recordSuccess } from '#shared/jobs/record-success.js';
import { JOB_WARNINGS } from '#shared/store/job-record.js';
import { fakeWorkflow } from '#test/support/fakes/workflow-deps.js';

describe('recordSuccess', () => {
  it('ends the job SUCCEEDED, CONNECTED, with its counts and no warning', async () => {
    const w = fakeWorkflow({ jobType: 'identify' });

    const finished = await recordSuccess(w.deps, { job: w.job, counts: { accounts: 3, account_owners: 3 } });

    expect(finished).toEqual({ status: 'SUCCEEDED', reason: null, cleanup: { resultsLeft: false, superseded: [] } });
    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)).toMatchObject({
      status: 'SUCCEEDED',
      connection_status: 'CONNECTED',
      counts: { accounts: 3, account_owners: 3 },
      finished_at: expect.any(String),
    });
    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)?.warnings).toBeUndefined();
    expect(w.jobs.releasedLocks).toEqual([w.job.memberGuid]);
  });

  it('ends a verification without account numbers FAILED NO_ACCOUNT_NUMBERS', async () => {
    const w = fakeWorkflow({ jobType: 'verify' });

    const finished = await recordSuccess(w.deps, { job: w.job, counts: { accounts: 3, account_numbers: 0 } });

    expect(finished).toEqual({
      status: 'FAILED',
      reason: 'NO_ACCOUNT_NUMBERS',
      cleanup: { resultsLeft: false, superseded: [] },
    });
    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)).toMatchObject({
      status: 'FAILED',
      connection_status: 'CONNECTED',
      error: { code: 'NO_ACCOUNT_NUMBERS' },
      counts: { account_numbers: 0 },
    });
  });

  it('succeeds a verification with numbers MX could not validate, with a warning and without the internal count', async () => {
    const w = fakeWorkflow({ jobType: 'verify' });

    await recordSuccess(w.deps, {
      job: w.job,
      counts: { accounts: 3, account_numbers: 1, account_numbers_not_validated: 1 },
    });

    const record = w.jobs.job(w.job.memberGuid, w.job.jobGuid);
    expect(record).toMatchObject({ status: 'SUCCEEDED', counts: { accounts: 3, account_numbers: 1 } });
    expect(record?.counts).not.toHaveProperty('account_numbers_not_validated');
    expect(record?.warnings).toEqual([
      { code: 'ACCOUNT_NUMBERS_NOT_VALIDATED', message: JOB_WARNINGS.ACCOUNT_NUMBERS_NOT_VALIDATED },
    ]);
  });

  it('succeeds an aggregation MX throttled with refreshed: false and DATA_NOT_REFRESHED', async () => {
    const w = fakeWorkflow({ jobType: 'aggregate' });

    await recordSuccess(w.deps, { job: w.job, counts: { accounts: 3, transactions: 9, refreshed: false } });

    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)).toMatchObject({
      status: 'SUCCEEDED',
      counts: { refreshed: false },
      warnings: [{ code: 'DATA_NOT_REFRESHED', message: JOB_WARNINGS.DATA_NOT_REFRESHED }],
    });
  });

  it('publishes the kinds the job copied before it ends the job', async () => {
    const w = fakeWorkflow({ jobType: 'identify' });
    await w.results.putResults(w.job.memberGuid, 'account_owners', w.job.jobGuid, [{ guid: 'ACO-1' }]);

    await recordSuccess(w.deps, { job: w.job, counts: { accounts: 0, account_owners: 1 } });

    expect(await w.results.listResults(w.job.memberGuid, 'account_owners')).toEqual({ items: [{ guid: 'ACO-1' }] });
    expect(w.results.publishedJob(w.job.memberGuid, 'accounts')).toBe(w.job.jobGuid);
  });

  it('leaves the transactions published before when an aggregation fetched none', async () => {
    const w = fakeWorkflow({ jobType: 'aggregate' });
    await w.results.putResults(w.job.memberGuid, 'transactions', 'JOB-0', [{ guid: 'TRN-1' }]);
    await w.results.publishResults(w.job.memberGuid, 'JOB-0', ['transactions']);

    await recordSuccess(w.deps, { job: w.job, counts: { accounts: 3 } });

    expect(w.results.publishedJob(w.job.memberGuid, 'transactions')).toBe('JOB-0');
    expect(w.results.publishedJob(w.job.memberGuid, 'accounts')).toBe(w.job.jobGuid);
    expect(await w.results.countResults(w.job.memberGuid, 'transactions')).toBe(1);
  });

  it('publishes nothing for a verification that ends FAILED NO_ACCOUNT_NUMBERS', async () => {
    const w = fakeWorkflow({ jobType: 'verify' });

    await recordSuccess(w.deps, { job: w.job, counts: { accounts: 3, account_numbers: 0 } });

    expect(w.results.publishedJob(w.job.memberGuid, 'accounts')).toBeUndefined();
    expect(w.results.publishedJob(w.job.memberGuid, 'account_numbers')).toBeUndefined();
  });
});

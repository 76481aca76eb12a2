import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endJobOfStoppedExecution } from '#shared/jobs/end-stopped-job.js';
import { JobStore } from '#shared/store/job-store.js';
import { type FreshTable, freshTable } from '#test/support/dynamodb.js';

let table: FreshTable;
let jobs: JobStore;
let seq = 0;
const now = () => new Date(Date.UTC(2026, 10, 22, 12));

beforeAll(async () => {
  table = await freshTable('stopped-jobs');
  jobs = new JobStore(table.doc, table.tableName);
});
afterAll(() => table.client.destroy());

async function runningJob() {
  seq += 1;
  const job = {
    jobGuid: `JOB-${seq}`,
    memberGuid: `MBR-${seq}`,
    userGuid: 'USR-1',
    type: 'aggregate' as const,
    now: now(),
    lockSeconds: 3600,
  };
  await jobs.createJob(job);
  return {
    job,
    input: JSON.stringify({ jobGuid: job.jobGuid, userGuid: 'USR-1', memberGuid: job.memberGuid, observeOnly: false }),
  };
}

describe('endJobOfStoppedExecution', () => {
  it.each([
    ['TIMED_OUT', 'TIMED_OUT', 'TIMED_OUT'],
    ['ABORTED', 'FAILED', 'EXECUTION_ABORTED'],
    ['FAILED', 'FAILED', 'INTERNAL_ERROR'],
  ])('ends the job of a %s execution %s with %s and frees its member', async (executionStatus, jobStatus, reason) => {
    const { job, input } = await runningJob();

    const outcome = await endJobOfStoppedExecution({ jobs, now }, { status: executionStatus, input });

    expect(outcome).toEqual({ result: 'ENDED', jobType: 'aggregate', status: jobStatus, reason });
    expect(await jobs.getJob(job.memberGuid, job.jobGuid)).toMatchObject({
      status: jobStatus,
      error: { code: reason },
    });
    expect(await jobs.getLock(job.memberGuid)).toBeUndefined();
  });

  it('leaves a job the workflow already ended as it was', async () => {
    const { job, input } = await runningJob();
    await jobs.finishJob(job.memberGuid, job.jobGuid, { status: 'FAILED', reason: 'MFA_REJECTED', now: now() });

    const outcome = await endJobOfStoppedExecution({ jobs, now }, { status: 'FAILED', input });

    expect(outcome).toEqual({ result: 'ALREADY_ENDED' });
    expect(await jobs.getJob(job.memberGuid, job.jobGuid)).toMatchObject({
      status: 'FAILED',
      error: { code: 'MFA_REJECTED' },
    });
  });

  it('ignores an execution that is not a job’s', async () => {
    expect(await endJobOfStoppedExecution({ jobs, now }, { status: 'FAILED', input: '{"something":"else"}' })).toEqual({
      result: 'NOT_A_JOB',
    });
  });
});

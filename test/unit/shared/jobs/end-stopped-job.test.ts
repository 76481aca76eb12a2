import { describe, expect, it } from 'vitest';
import { endJobOfStoppedExecution } from '#shared/jobs/end-stopped-job.js';
import { fakeWorkflow } from '#test/support/fakes/workflow-deps.js';

describe('endJobOfStoppedExecution: the execution-ended event’s logic', () => {
  it.each([
    ['TIMED_OUT', 'TIMED_OUT', 'TIMED_OUT'],
    ['ABORTED', 'FAILED', 'EXECUTION_ABORTED'],
    ['FAILED', 'FAILED', 'INTERNAL_ERROR'],
  ])('ends the job of a %s execution %s with %s and frees its member', async (executionStatus, status, reason) => {
    const w = fakeWorkflow();
    const input = JSON.stringify({ jobGuid: w.job.jobGuid, userGuid: w.job.userGuid, memberGuid: w.job.memberGuid });

    const outcome = await endJobOfStoppedExecution(
      { jobs: w.jobs, now: w.deps.now },
      { status: executionStatus, input },
    );

    expect(outcome).toEqual({ result: 'ENDED', jobType: 'aggregate', status, reason });
    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)).toMatchObject({ status, error: { code: reason } });
    expect(w.jobs.releasedLocks).toEqual([w.job.memberGuid]);
  });

  it('leaves a job of a succeeded execution, or one the workflow ended, as it was', async () => {
    const w = fakeWorkflow();
    const input = JSON.stringify({ jobGuid: w.job.jobGuid, memberGuid: w.job.memberGuid });
    await w.jobs.finishJob(w.job.memberGuid, w.job.jobGuid, {
      status: 'FAILED',
      reason: 'MFA_REJECTED',
      now: w.deps.now(),
    });

    const outcomes = [
      await endJobOfStoppedExecution({ jobs: w.jobs, now: w.deps.now }, { status: 'SUCCEEDED', input }),
      await endJobOfStoppedExecution({ jobs: w.jobs, now: w.deps.now }, { status: 'ABORTED', input }),
    ];

    expect(outcomes).toEqual([{ result: 'ALREADY_ENDED' }, { result: 'ALREADY_ENDED' }]);
    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)).toMatchObject({
      status: 'FAILED',
      error: { code: 'MFA_REJECTED' },
    });
  });

  it.each([['{"something":"else"}'], ['not json'], ['{"jobGuid":"JOB-9","memberGuid":"MBR-9"}']])(
    'ignores an execution that is not a job’s (input %s)',
    async (input) => {
      const w = fakeWorkflow();

      expect(await endJobOfStoppedExecution({ jobs: w.jobs, now: w.deps.now }, { status: 'FAILED', input })).toEqual({
        result: 'NOT_A_JOB',
      });
    },
  );

  it('finds the job from the execution’s name when the event carries no input', async () => {
    const w = fakeWorkflow();
    const executionArn = `arn:aws:states:us-east-1:123456789012:execution:mxflow-aggregate:${w.job.jobGuid}`;

    const outcome = await endJobOfStoppedExecution(
      { jobs: w.jobs, now: w.deps.now },
      { status: 'ABORTED', input: '', executionArn },
    );

    expect(outcome).toEqual({ result: 'ENDED', jobType: 'aggregate', status: 'FAILED', reason: 'EXECUTION_ABORTED' });
    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)).toMatchObject({ status: 'FAILED' });
  });
});

import { describe, expect, it } from 'vitest';
import { FAILURE_REASONS } from '#shared/jobs/failure-reasons.js';
import { failedProgress, initialProgress } from '#shared/jobs/progress.js';
import { recordFailure } from '#shared/jobs/record-failure.js';
import { WORKFLOW_ERRORS } from '#shared/jobs/workflow-errors.js';
import { fakeWorkflow } from '#test/support/fakes/workflow-deps.js';

const polled = { ...initialProgress(3), connectionStatus: 'LOCKED', pollCount: 2 };

describe('recordFailure', () => {
  it('ends the job FAILED with the reason a step decided, its message and the last connection status', async () => {
    const w = fakeWorkflow();

    const finished = await recordFailure(w.deps, {
      job: w.job,
      state: { progress: failedProgress(polled, 'ACCOUNT_LOCKED') },
    });

    expect(finished).toEqual({ status: 'FAILED', reason: 'ACCOUNT_LOCKED' });
    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)).toMatchObject({
      status: 'FAILED',
      connection_status: 'LOCKED',
      error: { code: 'ACCOUNT_LOCKED', message: FAILURE_REASONS.ACCOUNT_LOCKED.message },
    });
  });

  it('tells the end user what to do: new credentials after PREVENTED, nothing but a later retry after DISABLED', async () => {
    const prevented = fakeWorkflow();
    const disabled = fakeWorkflow();

    await recordFailure(prevented.deps, {
      job: prevented.job,
      state: { progress: failedProgress(polled, 'LOGIN_PREVENTED', 'PREVENTED') },
    });
    await recordFailure(disabled.deps, {
      job: disabled.job,
      state: { progress: failedProgress(polled, 'CONNECTION_DISABLED', 'DISABLED') },
    });

    expect(prevented.jobs.job(prevented.job.memberGuid, prevented.job.jobGuid)).toMatchObject({
      connection_status: 'PREVENTED',
      error: { code: 'LOGIN_PREVENTED', message: expect.stringMatching(/new credentials \(PUT the member\)/) },
    });
    expect(disabled.jobs.job(disabled.job.memberGuid, disabled.job.jobGuid)?.error?.message).toMatch(
      /try again later, without the end user/,
    );
    expect(FAILURE_REASONS.CONNECTION_DISABLED.retryLater).toBe(true);
  });

  it('ends a job out of polls TIMED_OUT', async () => {
    const w = fakeWorkflow();

    const finished = await recordFailure(w.deps, {
      job: w.job,
      state: { progress: failedProgress(polled, 'TIMED_OUT') },
    });

    expect(finished).toEqual({ status: 'TIMED_OUT', reason: 'TIMED_OUT' });
    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)?.status).toBe('TIMED_OUT');
  });

  it.each([
    [WORKFLOW_ERRORS.mxJobConflict, 'JOB_CONFLICT'],
    [WORKFLOW_ERRORS.mxTransient, 'MX_UNAVAILABLE'],
    [WORKFLOW_ERRORS.mxIpNotAllowed, 'MX_IP_NOT_ALLOWED'],
    ['States.Timeout', 'CHALLENGE_EXPIRED'],
    ['Lambda.Unknown', 'INTERNAL_ERROR'],
  ])('ends a job whose step failed with %s as %s, whatever the progress said before', async (error, reason) => {
    const w = fakeWorkflow();

    const finished = await recordFailure(w.deps, {
      job: w.job,
      state: { progress: polled, error: { Error: error, Cause: 'x' } },
    });

    expect(finished).toEqual({ status: 'FAILED', reason });
  });

  it('does not reopen or change a job that has already ended', async () => {
    const w = fakeWorkflow();
    await w.jobs.finishJob(w.job.memberGuid, w.job.jobGuid, {
      status: 'SUCCEEDED',
      counts: { accounts: 3 },
      now: w.deps.now(),
    });

    await recordFailure(w.deps, { job: w.job, state: { error: { Error: 'States.TaskFailed' } } });

    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)).toMatchObject({ status: 'SUCCEEDED', error: null });
  });
});

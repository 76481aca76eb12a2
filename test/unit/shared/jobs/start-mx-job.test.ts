import { describe, expect, it } from 'vitest';
import { MAX_MX_TROUBLE_WAITS } from '#shared/jobs/poll-schedule.js';
import type { Progress } from '#shared/jobs/progress.js';
import { startMxJob } from '#shared/jobs/start-mx-job.js';
import { WORKFLOW_ERRORS } from '#shared/jobs/workflow-errors.js';
import { mxError } from '#test/support/fakes/mx.js';
import { fakeWorkflow } from '#test/support/fakes/workflow-deps.js';

const options = { observeOnly: false, includeTransactions: true };

describe('startMxJob', () => {
  it('starts the MX job and keeps its guid, then polls after MX’s 3-second floor', async () => {
    const w = fakeWorkflow({ jobType: 'identify' });
    w.mx.member = { connection_status: 'CONNECTED', is_being_aggregated: false };

    const progress = await startMxJob(w.deps, { job: w.job, ...options });

    expect(progress).toMatchObject({ next: 'WAIT', reason: null, pollCount: 0, waitSeconds: 3 });
    expect(w.mx.calls).toEqual(['readMember', 'startJob']);
    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)).toMatchObject({ mx_job_guid: 'MXJ-1', attached: false });
  });

  it('only follows the aggregation MX started itself when asked to observe, calling MX nothing', async () => {
    const w = fakeWorkflow();

    const progress = await startMxJob(w.deps, { job: w.job, ...options, observeOnly: true });

    expect(progress.next).toBe('WAIT');
    expect(w.mx.calls).toEqual([]);
  });

  it('keeps the aggregation time MX had before the start, to tell a throttled aggregation at its end', async () => {
    const w = fakeWorkflow();
    w.mx.member = {
      connection_status: 'CONNECTED',
      is_being_aggregated: false,
      successfully_aggregated_at: '2026-11-30T10:00:00Z',
    };

    await startMxJob(w.deps, { job: w.job, ...options });

    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)?.mx_aggregated_before).toBe('2026-11-30T10:00:00Z');
  });

  it('attaches to its own verification when a retried start finds it running and CHALLENGED at MX', async () => {
    const w = fakeWorkflow({ jobType: 'verify' });
    w.mx.member = { connection_status: 'CHALLENGED', is_being_aggregated: true, most_recent_job_guid: 'MXJ-1' };
    w.mx.startAnswer = { httpStatus: 202, jobGuid: 'MXJ-1', alreadyRunning: true };

    const progress = await startMxJob(w.deps, { job: w.job, ...options, includeTransactions: false });

    expect(progress.next).toBe('WAIT');
    expect(w.mx.count('startJob')).toBe(1);
    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)).toMatchObject({ mx_job_guid: 'MXJ-1', attached: true });
  });

  it.each([
    ['LOCKED', 'ACCOUNT_LOCKED'],
    ['PREVENTED', 'LOGIN_PREVENTED'],
    ['CLOSED', 'ACCOUNT_CLOSED'],
  ])('ends the job without asking MX to start when the member sits %s (%s)', async (connection, reason) => {
    const w = fakeWorkflow({ jobType: 'verify' });
    w.mx.member = { connection_status: connection, is_being_aggregated: false };

    const progress = await startMxJob(w.deps, { job: w.job, ...options });

    expect(progress).toMatchObject({ next: 'FAIL', reason, connectionStatus: connection });
    expect(w.mx.count('startJob')).toBe(0);
  });

  it('reads the member again when MX refuses the start (422) and ends with the reason of its new status', async () => {
    const w = fakeWorkflow();
    w.mx.member = { connection_status: 'CONNECTED', is_being_aggregated: false };
    w.mx.failNext('startJob', mxError(422));
    w.mx.memberAfterStart = { connection_status: 'LOCKED', is_being_aggregated: false };

    const progress = await startMxJob(w.deps, { job: w.job, ...options });

    expect(progress).toMatchObject({ next: 'FAIL', reason: 'ACCOUNT_LOCKED', connectionStatus: 'LOCKED' });
  });

  it('ends a premium job MX answers 400 to NOT_SUPPORTED (the institution does not offer it)', async () => {
    const w = fakeWorkflow({ jobType: 'verify' });
    w.mx.failNext('startJob', mxError(400));

    const progress = await startMxJob(w.deps, { job: w.job, ...options });

    expect(progress).toMatchObject({ next: 'FAIL', reason: 'NOT_SUPPORTED' });
  });

  it('leaves another job type running at MX (409) to the state machine’s bounded retry', async () => {
    const w = fakeWorkflow({ jobType: 'verify' });
    w.mx.failNext('startJob', mxError(409));

    await expect(startMxJob(w.deps, { job: w.job, ...options })).rejects.toMatchObject({
      name: WORKFLOW_ERRORS.mxJobConflict,
    });
  });

  it('after a 429 starts again no sooner than Retry-After, and ends MX_UNAVAILABLE after too many in a row', async () => {
    const w = fakeWorkflow();
    w.mx.failNext(
      'readMember',
      ...Array.from({ length: MAX_MX_TROUBLE_WAITS + 1 }, () => mxError(429, { retryAfterSeconds: 20 })),
    );

    const tries: Progress[] = [];
    let state: { progress?: Progress } = {};
    for (let attempt = 0; attempt <= MAX_MX_TROUBLE_WAITS; attempt += 1) {
      const progress = await startMxJob(w.deps, { job: w.job, ...options, state });
      tries.push(progress);
      state = { progress };
    }

    expect(tries.slice(0, MAX_MX_TROUBLE_WAITS).every((p) => p.next === 'RETRY_START' && p.waitSeconds >= 20)).toBe(
      true,
    );
    expect(tries.at(-1)).toMatchObject({ next: 'FAIL', reason: 'MX_UNAVAILABLE' });
    expect(w.mx.count('startJob')).toBe(0);
  });
});

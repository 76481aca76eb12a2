import { describe, expect, it } from 'vitest';
import { parkForChallenge } from '#shared/jobs/park-for-challenge.js';
import { CHALLENGES } from '#test/support/challenges.js';
import { fakeWorkflow } from '#test/support/fakes/workflow-deps.js';

describe('parkForChallenge', () => {
  it('shows the staged challenges as CHALLENGED with the task token that resumes the execution', async () => {
    const w = fakeWorkflow();
    await w.jobs.stageChallenges(w.job.memberGuid, w.job.jobGuid, {
      challenges: [CHALLENGES.options],
      now: w.deps.now(),
    });

    const outcome = await parkForChallenge(w.deps, { job: w.job, taskToken: 'TOKEN-1' });

    expect(outcome).toBe('PARKED');
    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)).toMatchObject({
      status: 'CHALLENGED',
      connection_status: 'CHALLENGED',
      task_token: 'TOKEN-1',
      challenges: [CHALLENGES.options],
      // The fake clock's start plus the 600 s the execution waits for the answer.
      challenge_expires_at: '2026-12-01T00:10:00.000Z',
    });
    expect(w.taskTokens.failed).toEqual([]);
  });

  it('fails its own task when the job ended meanwhile, so the execution does not wait for nothing', async () => {
    const w = fakeWorkflow();
    await w.jobs.finishJob(w.job.memberGuid, w.job.jobGuid, {
      status: 'FAILED',
      reason: 'EXECUTION_ABORTED',
      now: w.deps.now(),
    });

    const outcome = await parkForChallenge(w.deps, { job: w.job, taskToken: 'TOKEN-1' });

    expect(outcome).toBe('JOB_ENDED');
    expect(w.taskTokens.failed).toEqual([{ token: 'TOKEN-1', error: 'JobNotActive', cause: expect.any(String) }]);
    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)?.task_token).toBeUndefined();
  });
});

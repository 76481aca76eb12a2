import { describe, expect, it } from 'vitest';
import { answerChallenges } from '#shared/jobs/answer-challenges.js';
import { CHALLENGES } from '#test/support/challenges.js';
import { mxError } from '#test/support/fakes/mx.js';
import { fakeWorkflow } from '#test/support/fakes/workflow-deps.js';

/** A job parked on a TEXT challenge with task token TOKEN-1 for 10 minutes, 90 s before the answer comes. */
async function parked() {
  const w = fakeWorkflow();
  await w.jobs.parkForChallenge(w.job.memberGuid, w.job.jobGuid, {
    challenges: [CHALLENGES.text],
    taskToken: 'TOKEN-1',
    expiresAt: new Date(w.deps.now().getTime() + 600_000),
    now: w.deps.now(),
  });
  w.advance(90);
  const request = {
    userGuid: w.job.userGuid,
    memberGuid: w.job.memberGuid,
    jobGuid: w.job.jobGuid,
    answers: [{ guid: 'CRD-text', value: 'Boston' }],
  };
  return { w, request };
}

describe('answerChallenges', () => {
  it('sends the answer to MX and resumes the execution once, however often it is posted', async () => {
    const { w, request } = await parked();

    const outcomes = await Promise.all([answerChallenges(w.deps, request), answerChallenges(w.deps, request)]);

    expect(outcomes).toEqual(
      expect.arrayContaining([{ outcome: 'RESUMED', waitedSeconds: 90 }, { outcome: 'ALREADY_ANSWERED' }]),
    );
    expect(w.mx.count('resumeMember')).toBe(1);
    expect(w.taskTokens.succeeded).toEqual(['TOKEN-1']);
    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)).toMatchObject({
      status: 'RUNNING',
      connection_status: 'RESUMED',
    });
  });

  it('gives back an answer that does not fit, unsent, with the job still waiting on the same token', async () => {
    const { w, request } = await parked();

    const outcome = await answerChallenges(w.deps, { ...request, answers: [{ guid: 'CRD-text', value: '  ' }] });

    expect(outcome).toEqual({
      outcome: 'REFUSED',
      problem: { field: 'challenges.0.value', message: expect.any(String) },
    });
    expect(w.mx.count('resumeMember')).toBe(0);
    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)).toMatchObject({ status: 'CHALLENGED', task_token: 'TOKEN-1' });
  });

  it('lets polling find out how the job ended when MX no longer waits for the answer (405)', async () => {
    const { w, request } = await parked();
    w.mx.failNext('resumeMember', mxError(405));

    const outcome = await answerChallenges(w.deps, request);

    expect(outcome).toMatchObject({ outcome: 'NOT_CHALLENGED', job: { status: 'RUNNING' } });
    expect(w.taskTokens.succeeded).toEqual(['TOKEN-1']);
  });

  it('gives the challenge back for another try when MX fails to take the answer', async () => {
    const { w, request } = await parked();
    w.mx.statuses = [{ connection_status: 'CHALLENGED', challenges: [CHALLENGES.text] }];
    w.mx.failNext('resumeMember', mxError(503));

    await expect(answerChallenges(w.deps, request)).rejects.toMatchObject({ code: 'MX_SERVER_ERROR' });

    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)).toMatchObject({
      status: 'CHALLENGED',
      task_token: 'TOKEN-1',
      challenges: [CHALLENGES.text],
    });
    expect(w.taskTokens.succeeded).toEqual([]);
  });

  it('resumes the execution when MX took the answer but its reply was lost', async () => {
    const { w, request } = await parked();
    w.mx.statuses = [{ connection_status: 'RESUMED', challenges: [] }];
    w.mx.failNext('resumeMember', mxError('timeout'));

    const outcome = await answerChallenges(w.deps, request);

    expect(outcome).toEqual({ outcome: 'RESUMED', waitedSeconds: 90 });
    expect(w.taskTokens.succeeded).toEqual(['TOKEN-1']);
    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)).toMatchObject({ status: 'RUNNING' });
  });

  it('resumes the execution when a repeated answer meets MX’s next round (400), so polling parks that round', async () => {
    const { w, request } = await parked();
    w.mx.statuses = [{ connection_status: 'CHALLENGED', challenges: [{ ...CHALLENGES.text, guid: 'CRD-next' }] }];
    w.mx.failNext('resumeMember', mxError(400, { mxMessage: 'CRD-text is not a challenge the member waits on' }));

    const outcome = await answerChallenges(w.deps, request);

    expect(outcome).toEqual({ outcome: 'RESUMED', waitedSeconds: 90 });
    expect(w.taskTokens.succeeded).toEqual(['TOKEN-1']);
  });

  it('gives the challenge back when MX cannot say whether it took the answer', async () => {
    const { w, request } = await parked();
    w.mx.failNext('resumeMember', mxError('timeout'));
    w.mx.failNext('readMemberStatus', mxError(503));

    await expect(answerChallenges(w.deps, request)).rejects.toMatchObject({ code: 'MX_TIMEOUT' });

    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)).toMatchObject({ status: 'CHALLENGED', task_token: 'TOKEN-1' });
    expect(w.taskTokens.succeeded).toEqual([]);
  });

  it('tells another user’s answer, or one for a job that is not waiting, NOT_CHALLENGED', async () => {
    const { w, request } = await parked();
    const running = fakeWorkflow();

    const stranger = await answerChallenges(w.deps, { ...request, userGuid: 'USR-2' });
    const notWaiting = await answerChallenges(running.deps, { ...request });

    expect(stranger).toEqual({ outcome: 'NOT_CHALLENGED', job: undefined });
    expect(notWaiting).toMatchObject({ outcome: 'NOT_CHALLENGED', job: { status: 'RUNNING' } });
  });

  it('refuses an answer after the wait ran out as EXPIRED, before anything reaches MX', async () => {
    const { w, request } = await parked();
    w.advance(600);

    const outcome = await answerChallenges(w.deps, request);

    expect(outcome).toEqual({ outcome: 'EXPIRED', waitMinutes: 10 });
    expect(w.mx.count('resumeMember')).toBe(0);
    expect(w.taskTokens.succeeded).toEqual([]);
    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)).toMatchObject({ status: 'CHALLENGED' });
  });

  it('answers EXPIRED when Step Functions closed the token (TaskTimedOut) while MX took the answer', async () => {
    const { w, request } = await parked();
    w.taskTokens.closed.add('TOKEN-1');

    const outcome = await answerChallenges(w.deps, request);

    expect(outcome).toEqual({ outcome: 'EXPIRED', waitMinutes: 10 });
    expect(w.taskTokens.succeeded).toEqual([]);
  });

  it('answers EXPIRED for a job that already ended CHALLENGE_EXPIRED, without calling MX', async () => {
    const { w, request } = await parked();
    w.advance(600);
    await w.jobs.finishJob(w.job.memberGuid, w.job.jobGuid, {
      status: 'FAILED',
      reason: 'CHALLENGE_EXPIRED',
      now: w.deps.now(),
    });

    const outcome = await answerChallenges(w.deps, request);

    expect(outcome).toEqual({ outcome: 'EXPIRED', waitMinutes: 10 });
    expect(w.mx.count('resumeMember')).toBe(0);
  });
});

import type { MemberStatusResponse } from 'mx-platform-node';
import { describe, expect, it } from 'vitest';
import { pollMemberStatus } from '#shared/jobs/poll-member-status.js';
import { MAX_MX_TROUBLE_WAITS } from '#shared/jobs/poll-schedule.js';
import { initialProgress, type Progress } from '#shared/jobs/progress.js';
import { ProgressSchema } from '#shared/jobs/workflow-events.js';
import { CHALLENGES } from '#test/support/challenges.js';
import { mxError } from '#test/support/fakes/mx.js';
import { fakeWorkflow } from '#test/support/fakes/workflow-deps.js';

const settled = (connection_status: string): MemberStatusResponse => ({
  connection_status,
  is_being_aggregated: false,
});
const start = initialProgress(3);

describe('pollMemberStatus: what one status read leads to', () => {
  it('waits while MX aggregates, recording the connection status once', async () => {
    const w = fakeWorkflow();
    w.mx.statuses = [{ connection_status: 'CREATED', is_being_aggregated: true }];

    const first = await pollMemberStatus(w.deps, { job: w.job, progress: start });
    const second = await pollMemberStatus(w.deps, { job: w.job, progress: first });

    expect(first).toMatchObject({ next: 'WAIT', connectionStatus: 'CREATED', pollCount: 1, waitSeconds: 3 });
    expect(second).toMatchObject({ next: 'WAIT', pollCount: 2 });
    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)?.history.map((e) => e.connection_status)).toEqual([
      null,
      'CREATED',
    ]);
  });

  it('says when its read began, so a webhook noted after that ends the next wait at once', async () => {
    const w = fakeWorkflow();
    w.mx.statuses = [{ connection_status: 'CREATED', is_being_aggregated: true }];
    const readBegan = w.deps.now().getTime();

    const polled = await pollMemberStatus(w.deps, { job: w.job, progress: start });
    w.advance(3);
    const again = await pollMemberStatus(w.deps, { job: w.job, progress: polled });

    expect(polled.polledAt).toBe(readBegan);
    expect(again.polledAt).toBe(readBegan + 3_000);
  });

  it('writes nothing to the job when a read finds what the read before it recorded', async () => {
    const w = fakeWorkflow();
    w.mx.statuses = [{ connection_status: 'CREATED', is_being_aggregated: true }];
    const writes: string[] = [];
    const record = w.jobs.recordProgress.bind(w.jobs);
    w.jobs.recordProgress = async (memberGuid, jobGuid, progress) => {
      writes.push(String(progress.connectionStatus));
      return record(memberGuid, jobGuid, progress);
    };

    let progress = start;
    for (let read = 0; read < 5; read += 1) progress = await pollMemberStatus(w.deps, { job: w.job, progress });
    w.mx.statuses = [{ connection_status: 'UPDATED', is_being_aggregated: true }];
    progress = await pollMemberStatus(w.deps, { job: w.job, progress });

    expect(progress).toMatchObject({ next: 'WAIT', connectionStatus: 'UPDATED', pollCount: 6 });
    expect(writes).toEqual(['CREATED', 'UPDATED']);
  });

  it('goes on to the results when the member is CONNECTED and MX has stopped aggregating', async () => {
    const w = fakeWorkflow();
    w.mx.statuses = [settled('CONNECTED')];

    const progress = await pollMemberStatus(w.deps, { job: w.job, progress: start });

    expect(progress).toMatchObject({ next: 'FETCH_RESULTS', reason: null, connectionStatus: 'CONNECTED' });
  });

  it.each([
    ['FAILED', 'INSTITUTION_UNAVAILABLE'],
    ['DENIED', 'CREDENTIALS_INVALID'],
    ['PREVENTED', 'LOGIN_PREVENTED'],
    ['REJECTED', 'MFA_REJECTED'],
    ['LOCKED', 'ACCOUNT_LOCKED'],
    ['IMPEDED', 'USER_ACTION_REQUIRED'],
    ['IMPAIRED', 'CREDENTIALS_REQUIRED'],
    ['EXPIRED', 'CHALLENGE_EXPIRED'],
    ['IMPORTED', 'CREDENTIALS_REQUIRED'],
    ['DISABLED', 'CONNECTION_DISABLED'],
    ['DISCONTINUED', 'INSTITUTION_DISCONTINUED'],
    ['CLOSED', 'ACCOUNT_CLOSED'],
    ['DEGRADED', 'INSTITUTION_UNAVAILABLE'],
    ['DISCONNECTED', 'INSTITUTION_UNAVAILABLE'],
  ])('ends an aggregation whose member settles %s with %s', async (connection, reason) => {
    const w = fakeWorkflow();
    w.mx.statuses = [settled(connection)];

    const progress = await pollMemberStatus(w.deps, { job: w.job, progress: start });

    expect(progress).toMatchObject({ next: 'FAIL', reason, connectionStatus: connection });
  });

  it('reads IMPEDED in a verification as no eligible account, and an OAuth member’s DENIED as refused consent', async () => {
    const verify = fakeWorkflow({ jobType: 'verify' });
    verify.mx.statuses = [settled('IMPEDED')];
    const oauth = fakeWorkflow({ isOauth: true });
    oauth.mx.statuses = [settled('DENIED')];

    const impeded = await pollMemberStatus(verify.deps, { job: verify.job, progress: start });
    const denied = await pollMemberStatus(oauth.deps, { job: oauth.job, progress: start });

    expect(impeded).toMatchObject({ next: 'FAIL', reason: 'NO_ELIGIBLE_ACCOUNTS' });
    expect(denied).toMatchObject({ next: 'FAIL', reason: 'OAUTH_DENIED' });
  });

  it('stages the challenges the status read carries for the park, asking MX nothing more', async () => {
    const w = fakeWorkflow();
    w.mx.statuses = [
      { connection_status: 'CHALLENGED', is_being_aggregated: true, challenges: [CHALLENGES.text, CHALLENGES.options] },
    ];

    const progress = await pollMemberStatus(w.deps, { job: w.job, progress: start });

    expect(progress).toMatchObject({ next: 'AWAIT_CHALLENGE_ANSWER', connectionStatus: 'CHALLENGED' });
    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)?.challenges).toEqual([CHALLENGES.text, CHALLENGES.options]);
    expect(w.mx.calls).toEqual(['readMemberStatus']);
  });

  it('ends an unattended job at a challenge or an OAuth window instead of waiting for an end user', async () => {
    const challenged = fakeWorkflow();
    challenged.mx.statuses = [
      { connection_status: 'CHALLENGED', is_being_aggregated: true, challenges: [CHALLENGES.text] },
    ];
    const pending = fakeWorkflow();
    pending.mx.statuses = [settled('PENDING')];

    const atChallenge = await pollMemberStatus(challenged.deps, {
      job: { ...challenged.job, unattended: true },
      progress: start,
    });
    const atOAuth = await pollMemberStatus(pending.deps, {
      job: { ...pending.job, unattended: true },
      progress: start,
    });

    expect(atChallenge).toMatchObject({ next: 'FAIL', reason: 'MEMBER_CHALLENGED', connectionStatus: 'CHALLENGED' });
    expect(challenged.jobs.job(challenged.job.memberGuid, challenged.job.jobGuid)?.challenges).toBeUndefined();
    expect(atOAuth).toMatchObject({ next: 'FAIL', reason: 'OAUTH_PENDING', connectionStatus: 'PENDING' });
  });

  it('reads again after the wait when MX says CHALLENGED before it has issued the challenges', async () => {
    const w = fakeWorkflow();
    w.mx.statuses = [{ connection_status: 'CHALLENGED', is_being_aggregated: true, challenges: [] }];

    const progress = await pollMemberStatus(w.deps, { job: w.job, progress: start });

    expect(progress.next).toBe('WAIT');
    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)?.challenges).toBeUndefined();
  });

  it('shows an OAuth member’s window once, then counts the PENDING waits toward the deadline', async () => {
    const w = fakeWorkflow({ isOauth: true, schedule: { oauthTimeoutSeconds: 10 } });
    w.mx.member = { ...w.mx.member, oauth_window_uri: 'https://mx.example/oauth/1' };
    w.mx.statuses = [{ connection_status: 'PENDING', is_being_aggregated: false }];

    const first = await pollMemberStatus(w.deps, { job: w.job, progress: start });
    const second = await pollMemberStatus(w.deps, { job: w.job, progress: first });
    const third = await pollMemberStatus(w.deps, { job: w.job, progress: second });
    const fourth = await pollMemberStatus(w.deps, { job: w.job, progress: { ...third, waitSeconds: 5 } });

    expect(w.jobs.job(w.job.memberGuid, w.job.jobGuid)).toMatchObject({
      status: 'ACTION_REQUIRED',
      oauth_window_uri: 'https://mx.example/oauth/1',
    });
    expect(w.mx.count('readMember')).toBe(1);
    expect([first, second, third].map((p) => [p.next, p.pendingSeconds])).toEqual([
      ['AWAIT_OAUTH', 0],
      ['AWAIT_OAUTH', 3],
      ['AWAIT_OAUTH', 6],
    ]);
    expect(fourth).toMatchObject({ next: 'FAIL', reason: 'OAUTH_ABANDONED', connectionStatus: 'PENDING' });
  });

  it('restarts the OAuth deadline once for each fresh window the end user was given while the job waited', async () => {
    const w = fakeWorkflow({ isOauth: true, schedule: { oauthTimeoutSeconds: 10 } });
    w.mx.statuses = [{ connection_status: 'PENDING', is_being_aggregated: false }];
    const atDeadline = { ...start, next: 'AWAIT_OAUTH' as const, pendingSeconds: 9, waitSeconds: 3 };
    await pollMemberStatus(w.deps, { job: w.job, progress: start });
    await w.jobs.renewOAuthWindow(w.job.memberGuid, w.job.jobGuid, {
      oauthWindowUri: 'https://mx.example/2',
      now: w.deps.now(),
    });

    const renewed = await pollMemberStatus(w.deps, { job: w.job, progress: atDeadline });
    // Through the execution's state, as the next task's event schema reads it.
    const carried = ProgressSchema.parse(JSON.parse(JSON.stringify({ ...renewed, pendingSeconds: 9 }))) as Progress;
    const again = await pollMemberStatus(w.deps, { job: w.job, progress: carried });

    expect(renewed).toMatchObject({ next: 'AWAIT_OAUTH', pendingSeconds: 0, oauthWindowsRenewed: 1 });
    expect(again).toMatchObject({ next: 'FAIL', reason: 'OAUTH_ABANDONED' });
  });

  it('after a 429 waits at least MX’s Retry-After, without counting the read as a poll', async () => {
    const w = fakeWorkflow({ random: () => 0.99 });
    w.mx.failNext('readMemberStatus', mxError(429, { retryAfterSeconds: 10 }));

    const progress = await pollMemberStatus(w.deps, { job: w.job, progress: start });

    expect(progress).toMatchObject({ next: 'WAIT', pollCount: 0, retryWaits: 1 });
    expect(progress.waitSeconds).toBeGreaterThanOrEqual(10);
    expect(progress.waitSeconds).toBeLessThanOrEqual(15);
  });

  it('spreads the waits of jobs limited together when no test fixes the jitter', async () => {
    const waits = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const w = fakeWorkflow();
        const { random: _fixed, ...deps } = w.deps;
        w.mx.failNext('readMemberStatus', mxError(429, { retryAfterSeconds: 10 }));
        return (await pollMemberStatus(deps, { job: w.job, progress: start })).waitSeconds;
      }),
    );

    expect(Math.min(...waits)).toBeGreaterThanOrEqual(10);
    expect(new Set(waits).size).toBeGreaterThan(1);
  });

  it(`ends MX_UNAVAILABLE once MX has failed ${MAX_MX_TROUBLE_WAITS + 1} reads in a row, and resets the count on an answer`, async () => {
    const w = fakeWorkflow();
    w.mx.failNext('readMemberStatus', ...Array.from({ length: MAX_MX_TROUBLE_WAITS + 1 }, () => mxError(500)));
    w.mx.statuses = [{ connection_status: 'CREATED', is_being_aggregated: true }];

    const waits: Progress[] = [];
    let progress = start;
    for (let read = 0; read <= MAX_MX_TROUBLE_WAITS; read += 1) {
      progress = await pollMemberStatus(w.deps, { job: w.job, progress });
      waits.push(progress);
    }
    const answered = await pollMemberStatus(w.deps, { job: w.job, progress: { ...waits[2]!, next: 'WAIT' } });

    expect(waits.slice(0, MAX_MX_TROUBLE_WAITS).map((p) => p.retryWaits)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(waits.at(-1)).toMatchObject({ next: 'FAIL', reason: 'MX_UNAVAILABLE' });
    expect(answered).toMatchObject({ next: 'WAIT', retryWaits: 0, pollCount: 1 });
  });

  it('ends the job when MX refuses mxflow itself (401), without waiting', async () => {
    const w = fakeWorkflow();
    w.mx.failNext('readMemberStatus', mxError(401));

    const progress = await pollMemberStatus(w.deps, { job: w.job, progress: start });

    expect(progress).toMatchObject({ next: 'FAIL', reason: 'MX_ACCESS_DENIED', pollCount: 1 });
  });

  it('ends TIMED_OUT past the poll cap without reading MX again', async () => {
    const w = fakeWorkflow({ schedule: { maxPolls: 2 } });

    const progress = await pollMemberStatus(w.deps, { job: w.job, progress: { ...start, pollCount: 2 } });

    expect(progress).toMatchObject({ next: 'FAIL', reason: 'TIMED_OUT' });
    expect(w.mx.calls).toEqual([]);
  });
});

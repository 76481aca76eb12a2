import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { Duration } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;

beforeAll(async () => {
  // MX jobs that run for 100,000 s of MX time, against limits far shorter than that: a loaded
  // machine's slowness, magnified by the time scale, cannot finish one first.
  h = await startWorkflowHarness({
    simulator: { jobDurationMs: 100_000_000, challengeAfterMs: 333_000 },
    // 600 ms of real time parked: long enough to be seen CHALLENGED when the machine is loaded.
    challengeTimeout: Duration.seconds(600),
    // OAuth: 90 s of MX time ACTION_REQUIRED (three times what it was), inside the 40-poll cap.
    environment: { POLL_MAX_COUNT: '40', OAUTH_TIMEOUT_SECONDS: '90' },
  });
});
afterAll(async () => h?.stop());

describe('job workflows end every job, however long MX or the end user takes', () => {
  it('ends CHALLENGE_EXPIRED when nobody answers the challenge, without polling while it waits', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'challenge');
    const started = await h.start('aggregate', user, member);
    await h.waitForJob(started, (r) => r.status === 'CHALLENGED', 5_000);
    const readsWhenParked = statusReads(member);

    const done = await h.finished(started);

    expect(done).toMatchObject({ status: 'FAILED', error: { code: 'CHALLENGE_EXPIRED' } });
    expect(statusReads(member)).toBe(readsWhenParked);
    expect(done).not.toHaveProperty('task_token');
  });

  it('ends OAUTH_ABANDONED, advising a new OAuth window, when the end user never finishes at the bank', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, '', { oauth: true, skipAggregation: false });

    const started = await h.start('aggregate', user, member, { observeOnly: true });
    const waiting = await h.waitForJob(started, (r) => r.status === 'ACTION_REQUIRED');
    const done = await h.finished(started);

    expect(waiting.oauth_window_uri).toMatch(/^http/);
    expect(done).toMatchObject({ status: 'FAILED', connection_status: 'PENDING', error: { code: 'OAUTH_ABANDONED' } });
    expect(done.error?.message).toContain('request a new OAuth window');
  });

  it('ends TIMED_OUT when MX is still aggregating after the poll cap', async () => {
    const user = await h.newUser();
    // DELAYED for three job durations: the 40 polls' own time on a loaded
    // machine, magnified by the time scale, stays well inside it.
    const member = await h.newMember(user, 'delayed');

    const done = await h.finished(await h.start('aggregate', user, member));

    expect(done).toMatchObject({ status: 'TIMED_OUT', error: { code: 'TIMED_OUT' } });
    expect(statusReads(member)).toBe(40);
    expect(await h.stack.jobs.getLock(member)).toBeUndefined();
  });

  it('ends JOB_CONFLICT when another MX job keeps running through every retry', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password', { skipAggregation: false });

    const done = await h.finished(await h.start('verify', user, member));

    // MX's answer decides (its 409: another job type runs), on the first try and six retries.
    const conflicts = h.mxRequests('POST /users/{user_guid}/members/{member_guid}/verify', 409);
    expect(done).toMatchObject({ status: 'FAILED', error: { code: 'JOB_CONFLICT' } });
    expect(conflicts).toBe(7);
  });
});

describe('a job whose execution stops without it', () => {
  it('ends FAILED EXECUTION_ABORTED when an operator stops the execution, and frees the member', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');
    const started = await h.start('aggregate', user, member);
    await h.waitForJob(started, (r) => r.connection_status === 'CREATED');

    await h.stack.sfn.send(
      new StopExecutionCommand({
        executionArn: started.executionArn,
        error: 'Operator',
        cause: 'stopped from the console',
      }),
    );
    const done = await h.waitForJob(started, (r) => r.status !== 'RUNNING');

    expect(done).toMatchObject({ status: 'FAILED', error: { code: 'EXECUTION_ABORTED' } });
    expect(done.finished_at).toBeDefined();
    expect(await h.stack.jobs.getLock(member)).toBeUndefined();
  });
});

function statusReads(memberGuid: string): number {
  return h.stack.simulator?.stats().statusReads.byMember[memberGuid]?.reads ?? 0;
}

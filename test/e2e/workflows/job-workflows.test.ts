import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobType } from '#shared/contract/workflow.js';
import { FAILURE_REASONS } from '#shared/jobs/failure-reasons.js';
import { eventually } from '#test/support/eventually.js';
import { stackTable, storedChallengeToken } from '#test/support/task-token-items.js';
import { type StartedJob, startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;

beforeAll(async () => {
  // Jobs last 150 s of MX time (150 ms real): long enough for a test to act while one runs.
  // 40 transactions an account (one page each) unless a test asks for more.
  h = await startWorkflowHarness({
    simulator: { jobDurationMs: JOB_DURATION_MS, transactionsPerAccount: TRANSACTIONS },
  });
});
afterAll(async () => h?.stop());

const TRANSACTIONS = 40;
const JOB_DURATION_MS = 150_000;
const challenged = (job: { status: string }) => job.status === 'CHALLENGED';

/**
 * Runs `act` while MX's jobs last an hour, so the one a member's creation starts cannot end (on a
 * loaded machine, 150 ms can pass) before the test's job meets it; then lets them end at once.
 */
async function whileJobsLast<T>(act: () => Promise<T>): Promise<T> {
  h.stack.simulator?.configure({ jobDurationMs: 3_600_000 });
  try {
    return await act();
  } finally {
    h.stack.simulator?.configure({ jobDurationMs: JOB_DURATION_MS });
  }
}

/** How many job starts of this kind MX has answered with `status`. */
const jobStarts = (endpoint: 'aggregate' | 'verify') => (status: number) =>
  h.mxRequests(`POST /users/{user_guid}/members/{member_guid}/${endpoint}`, status);
const aggregateStarts = jobStarts('aggregate');
const verifyStarts = jobStarts('verify');

/** Every job this file started, to know how many executions the leak check reads. */
const startedJobs: StartedJob[] = [];
async function start(
  type: JobType,
  user: string,
  member: string,
  options?: { observeOnly?: boolean },
): Promise<StartedJob> {
  const job = await h.start(type, user, member, options);
  startedJobs.push(job);
  return job;
}

/** Values that must never reach an execution's state: a bank password and a challenge answer. */
const SENTINEL_PASSWORD = 'S3ntinel-Bank-Passw0rd!';
const SENTINEL_ANSWER = 'S3ntinel-Wrong-Answer';

describe('job workflows run from the synthesized ASL, against DynamoDB Local and the MX simulator', () => {
  it('aggregates 3 accounts and 3,300 transactions, pages of 1,000 (two per account), into the table', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, SENTINEL_PASSWORD);
    h.stack.simulator?.configure({ transactionsPerAccount: 1_100 });

    const started = await start('aggregate', user, member);
    const done = await h
      .finished(started)
      .finally(() => h.stack.simulator?.configure({ transactionsPerAccount: TRANSACTIONS }));

    const stored = await countRows(member, 'transactions');
    const calls = h.mxRequests('GET /users/{user_guid}/accounts/{account_guid}/transactions');
    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      connection_status: 'CONNECTED',
      counts: { accounts: 3, transactions: 3_300 },
    });
    expect(done.finished_at).toBeDefined();
    expect(stored).toBe(3_300);
    expect(calls).toBe(6);
  });

  it('parks a verification on the account-selection challenge and resumes after the answer', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, SENTINEL_PASSWORD);
    const started = await start('verify', user, member);

    const parked = await h.waitForJob(started, challenged);
    const token = await storedChallengeToken(stackTable(h.stack), member, parked.job_guid);
    const selection = parked.challenges?.[0];
    const checking = selection?.options?.find((o) => /checking/i.test(String(o.label)));
    const answered = await h.answer(parked, [{ guid: String(selection?.guid), value: String(checking?.value) }]);
    const done = await h.finished(started);

    expect(selection?.label).toBe('Please select an account:');
    expect(token).toBeTruthy();
    expect(parked).not.toHaveProperty('task_token');
    expect(answered).toMatchObject({ outcome: 'RESUMED', waitedSeconds: expect.any(Number) });
    expect(done).toMatchObject({ status: 'SUCCEEDED', counts: { accounts: 3, account_numbers: 1 } });
    expect(await storedChallengeToken(stackTable(h.stack), member, parked.job_guid)).toBeUndefined();
    expect(done.history.map((e) => e.status)).toEqual(expect.arrayContaining(['RUNNING', 'CHALLENGED', 'SUCCEEDED']));
  });

  it('identifies owners through a TEXT challenge, resuming once when the answer is posted twice', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'challenge');
    const started = await start('identify', user, member);
    const parked = await h.waitForJob(started, challenged);
    const answer = [{ guid: String(parked.challenges?.[0]?.guid), value: 'correct' }];
    const resumesBefore = resumeCount();

    const outcomes = await Promise.all([h.answer(parked, answer), h.answer(parked, answer)]);
    const done = await h.finished(started);

    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['ALREADY_ANSWERED', 'RESUMED']);
    expect(done).toMatchObject({ status: 'SUCCEEDED', counts: { accounts: 3, account_owners: 3 } });
    expect(resumeCount() - resumesBefore).toBe(1);
  });

  it('answers two rounds of challenges in one job, parking each from the status read without asking MX for its challenges', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'challenge_twice');
    const challengeLists = () => h.mxRequests('GET /users/{user_guid}/members/{member_guid}/challenges');
    const listsBefore = challengeLists();
    const started = await start('aggregate', user, member);

    const rounds: string[] = [];
    for (let round = 0; round < 2; round += 1) {
      const parked = await h.waitForJob(
        started,
        (r) => challenged(r) && r.history.filter((e) => e.status === 'CHALLENGED').length === round + 1,
      );
      const challenge = parked.challenges?.[0];
      rounds.push(String(challenge?.type));
      await h.answer(parked, [{ guid: String(challenge?.guid), value: 'correct' }]);
    }
    const done = await h.finished(started);

    expect(rounds).toEqual(['TEXT', 'OPTIONS']);
    expect(done.status).toBe('SUCCEEDED');
    expect(challengeLists() - listsBefore).toBe(0);
  });

  it('fails MFA_REJECTED on a wrong answer', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'challenge');
    const started = await start('aggregate', user, member);
    const parked = await h.waitForJob(started, challenged);

    await h.answer(parked, [{ guid: String(parked.challenges?.[0]?.guid), value: SENTINEL_ANSWER }]);
    const done = await h.finished(started);

    expect(done).toMatchObject({ status: 'FAILED', connection_status: 'REJECTED', error: { code: 'MFA_REJECTED' } });
  });

  // Every end state's reason is decided in the unit layer (poll-member-status.test.ts); these two
  // prove the simulator's failed logins reach the job record through the real handlers.
  it.each([
    ['denied', 'DENIED', 'CREDENTIALS_INVALID'],
    ['impeded', 'IMPEDED', 'USER_ACTION_REQUIRED'],
  ])('ends a job whose login is %s FAILED %s with %s, and frees the member', async (password, connection, reason) => {
    const user = await h.newUser();
    const member = await h.newMember(user, password);

    const done = await h.finished(await start('aggregate', user, member));

    expect(done).toMatchObject({ status: 'FAILED', connection_status: connection, error: { code: reason } });
    expect(await h.stack.jobs.getLock(member)).toBeUndefined();
  });

  it('follows an OAuth member from the end user’s window to its results', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, '', { oauth: true, skipAggregation: false });
    const started = await start('aggregate', user, member, { observeOnly: true });

    const waiting = await h.waitForJob(started, (r) => r.status === 'ACTION_REQUIRED');
    await fetch(String(waiting.oauth_window_uri));
    const done = await h.finished(started);

    expect(waiting).toMatchObject({
      connection_status: 'PENDING',
      oauth_window_uri: expect.stringContaining('/oauth/'),
    });
    expect(done).toMatchObject({ status: 'SUCCEEDED', counts: { accounts: 3 } });
  });

  it('attaches to an aggregation MX already runs (202) instead of starting another', async () => {
    const attachesBefore = aggregateStarts(202);
    const user = await h.newUser();

    const started = await whileJobsLast(async () => {
      const member = await h.newMember(user, 'password', { skipAggregation: false });
      const job = await start('aggregate', user, member);
      await eventually(() => aggregateStarts(202) > attachesBefore, { describe: () => 'no 202 from MX' });
      return job;
    });
    const done = await h.finished(started);

    expect(done).toMatchObject({ status: 'SUCCEEDED', attached: true });
  });

  it('waits out another job type running on the member (409) and then verifies', async () => {
    const conflictsBefore = verifyStarts(409);
    const user = await h.newUser();

    const started = await whileJobsLast(async () => {
      const member = await h.newMember(user, 'password', { skipAggregation: false });
      const job = await start('verify', user, member);
      await eventually(() => verifyStarts(409) > conflictsBefore, { describe: () => 'no 409 from MX' });
      return job;
    });
    const parked = await h.waitForJob(started, challenged);
    await h.answer(parked, [
      { guid: String(parked.challenges?.[0]?.guid), value: String(parked.challenges?.[0]?.options?.[0]?.value) },
    ]);
    const done = await h.finished(started);

    expect(verifyStarts(409) - conflictsBefore).toBeGreaterThanOrEqual(1);
    expect(done.status).toBe('SUCCEEDED');
  });

  it('absorbs injected 429 and 500 answers with the state machine’s retries', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');
    h.stack.simulator?.setFaults({ rate429: 0.15, rate500: 0.1 });

    const started = await start('aggregate', user, member);
    const done = await h.finished(started).finally(() => h.stack.simulator?.setFaults({ rate429: 0, rate500: 0 }));

    const faults = h.stack.simulator?.stats().faults;
    expect(done).toMatchObject({ status: 'SUCCEEDED', counts: { accounts: 3, transactions: 3 * TRANSACTIONS } });
    expect(await countRows(member, 'transactions')).toBe(3 * TRANSACTIONS);
    expect((faults?.injected429 ?? 0) + (faults?.injected500 ?? 0)).toBeGreaterThan(0);
  });

  it('keeps credentials, answers, account numbers and owner data out of every execution’s state', async () => {
    const executions = Object.values(h.stack.stateMachineArns).flatMap(
      (stateMachineArn) => h.stack.stepFunctions.listExecutions({ stateMachineArn, maxResults: 1000 }).executions ?? [],
    );
    const histories = await Promise.all(
      executions.map((e) =>
        h.stack.stepFunctions.getExecutionHistory({ executionArn: String(e.executionArn), maxResults: 1000 }),
      ),
    );
    const everything = JSON.stringify(histories);
    const members = new Map<string, string>(
      executions.map((e) => {
        const input = JSON.parse(
          String(h.stack.stepFunctions.describeExecution({ executionArn: String(e.executionArn) }).input),
        );
        return [input.memberGuid as string, input.userGuid as string];
      }),
    );
    const secrets = new Set<string>([SENTINEL_PASSWORD, SENTINEL_ANSWER, String(h.stack.simulator?.apiKey)]);
    for (const [member, userGuid] of members) {
      const numbers = await h.stack.results.listResults<Record<string, string>>(member, 'account_numbers', {
        userGuid,
      });
      for (const n of numbers.items) secrets.add(n.account_number as string).add(n.routing_number as string);
      const owners = await h.stack.results.listResults<Record<string, string>>(member, 'account_owners', { userGuid });
      for (const o of owners.items) {
        for (const field of ['owner_name', 'email', 'phone', 'address']) if (o[field]) secrets.add(o[field] as string);
      }
    }

    expect(executions.map((e) => e.executionArn).sort()).toEqual(startedJobs.map((j) => j.executionArn).sort());
    expect(secrets.size).toBeGreaterThan(6);
    expect([...secrets].filter((secret) => everything.includes(secret))).toEqual([]);
    // Field names too (a count of account numbers is fine: `account_numbers`).
    expect(everything).not.toMatch(/account_number(?!s)|routing_number|owner_name|credentials|challenges/);
  });

  it('never read any member’s status twice within 3 s of MX time', () => {
    const reads = h.stack.simulator?.stats().statusReads;

    expect(Object.keys(reads?.byMember ?? {}).length).toBeGreaterThan(5);
    expect(reads?.minGapMs).toBeGreaterThanOrEqual(3_000);
  });
});

function resumeCount(): number {
  return h.mxRequests('PUT /users/{user_guid}/members/{member_guid}/resume');
}

async function countRows(memberGuid: string, kind: 'transactions' | 'accounts'): Promise<number> {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await h.stack.results.listResults(memberGuid, kind, {
      limit: 1_000,
      ...(startKey ? { startKey } : {}),
    });
    count += page.items.length;
    startKey = page.lastKey;
  } while (startKey);
  return count;
}

describe('what MX did to the data', () => {
  it('a throttled aggregation says refreshed: false with DATA_NOT_REFRESHED; a fresh one says refreshed: true', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');

    const fresh = await h.finished(await start('aggregate', user, member));
    const throttled = await h.finished(await start('aggregate', user, member));

    expect(fresh).toMatchObject({ status: 'SUCCEEDED', counts: { accounts: 3, refreshed: true } });
    expect(fresh.warnings).toBeUndefined();
    expect(throttled).toMatchObject({
      status: 'SUCCEEDED',
      counts: { accounts: 3, refreshed: false },
      warnings: [{ code: 'DATA_NOT_REFRESHED', message: expect.any(String) }],
    });
  });
});

describe('jobs MX refuses to mxflow itself', () => {
  afterEach(() => h.stack.simulator?.configure({ allowedIps: null, disabledFeatures: [] }));

  it('a verify on a client without verification ends the job MX_FEATURE_NOT_ENABLED', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');
    h.stack.simulator?.configure({ disabledFeatures: ['verify'] });

    const done = await h.finished(await start('verify', user, member));

    expect(done).toMatchObject({
      status: 'FAILED',
      error: { code: 'MX_FEATURE_NOT_ENABLED', message: FAILURE_REASONS.MX_FEATURE_NOT_ENABLED.message },
    });
  });

  it('a job started while MX refuses the calling address ends MX_IP_NOT_ALLOWED', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');
    h.stack.simulator?.configure({ allowedIps: ['192.0.2.0/24'] });

    const done = await h.finished(await start('aggregate', user, member));

    expect(done).toMatchObject({
      status: 'FAILED',
      error: { code: 'MX_IP_NOT_ALLOWED', message: FAILURE_REASONS.MX_IP_NOT_ALLOWED.message },
    });
  });
});

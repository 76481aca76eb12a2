import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_LOGINS } from '#local/mx-simulator/index.js';
import { classifyConnection } from '#shared/jobs/classify-connection.js';
import { FAILURE_REASONS } from '#shared/jobs/failure-reasons.js';
import { startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;

beforeAll(async () => {
  // Jobs last 150 s of MX time (150 ms real): long enough for a test to act while one runs.
  h = await startWorkflowHarness({ simulator: { jobDurationMs: 150_000, transactionsPerAccount: 2_000 } });
});
afterAll(async () => h?.stop());

const challenged = (job: { status: string }) => job.status === 'CHALLENGED';

/** Values that must never reach an execution's state: a bank password and a challenge answer. */
const SENTINEL_PASSWORD = 'S3ntinel-Bank-Passw0rd!';
const SENTINEL_ANSWER = 'S3ntinel-Wrong-Answer';

describe('job workflows run from the synthesized ASL, against DynamoDB Local and the MX simulator', () => {
  it('aggregates 3 accounts and 6,000 transactions, pages of 1,000, into the table', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, SENTINEL_PASSWORD);

    const started = await h.start('aggregate', user, member);
    const done = await h.finished(started);

    const stored = await countRows(member, 'transactions');
    const calls = h.stack.simulator?.stats().requests.byEndpoint['GET /users/{user_guid}/accounts/{account_guid}/transactions'];
    expect(done).toMatchObject({ status: 'SUCCEEDED', connection_status: 'CONNECTED', counts: { accounts: 3, transactions: 6_000 } });
    expect(done.finished_at).toBeDefined();
    expect(stored).toBe(6_000);
    expect(calls?.count).toBe(6);
  });

  it('parks a verification on the account-selection challenge and resumes after the answer', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, SENTINEL_PASSWORD);
    const started = await h.start('verify', user, member);

    const parked = await h.waitForJob(started, challenged);
    const selection = parked.challenges?.[0];
    const checking = selection?.options?.find((o) => /checking/i.test(String(o.label)));
    const answered = await h.answer(parked, [{ guid: String(selection?.guid), value: String(checking?.value) }]);
    const done = await h.finished(started);

    expect(selection?.label).toBe('Please select an account:');
    expect(parked.task_token).toBeTruthy();
    expect(answered).toMatchObject({ outcome: 'RESUMED', waitedSeconds: expect.any(Number) });
    expect(done).toMatchObject({ status: 'SUCCEEDED', counts: { accounts: 3, account_numbers: 1 } });
    expect(done.task_token).toBeUndefined();
    expect(done.history.map((e) => e.status)).toEqual(expect.arrayContaining(['RUNNING', 'CHALLENGED', 'SUCCEEDED']));
  });

  it('identifies owners through a TEXT challenge, resuming once when the answer is posted twice', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'challenge');
    const started = await h.start('identify', user, member);
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
    const challengeLists = () => h.stack.simulator?.stats().requests.byEndpoint['GET /users/{user_guid}/members/{member_guid}/challenges']?.count ?? 0;
    const listsBefore = challengeLists();
    const started = await h.start('aggregate', user, member);

    const rounds: string[] = [];
    for (let round = 0; round < 2; round += 1) {
      const parked = await h.waitForJob(started, (r) => challenged(r) && r.history.filter((e) => e.status === 'CHALLENGED').length === round + 1);
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
    const started = await h.start('aggregate', user, member);
    const parked = await h.waitForJob(started, challenged);

    await h.answer(parked, [{ guid: String(parked.challenges?.[0]?.guid), value: SENTINEL_ANSWER }]);
    const done = await h.finished(started);

    expect(done).toMatchObject({ status: 'FAILED', connection_status: 'REJECTED', error: { code: 'MFA_REJECTED' } });
  });

  it.each(
    TEST_LOGINS.filter((login) => login.challenges.length === 0 && login.outcome !== 'CONNECTED').map((login) => [login.password, login.outcome] as const),
  )('ends a job whose login is %s FAILED with the reason for %s', async (password, outcome) => {
    const user = await h.newUser();
    const member = await h.newMember(user, password);
    const expected = classifyConnection({ connection_status: outcome, is_being_aggregated: false }, 'aggregate');

    const started = await h.start('aggregate', user, member);
    const done = await h.finished(started);

    expect(expected.next).toBe('FAIL');
    expect(done).toMatchObject({ status: 'FAILED', connection_status: outcome, error: { code: expected.next === 'FAIL' ? expected.reason : '' } });
    expect(await h.stack.jobs.getLock(member)).toBeUndefined();
  });

  it('follows an OAuth member from the end user’s window to its results', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, '', { oauth: true, skipAggregation: false });
    const started = await h.start('aggregate', user, member, { observeOnly: true });

    const waiting = await h.waitForJob(started, (r) => r.status === 'ACTION_REQUIRED');
    await fetch(String(waiting.oauth_window_uri));
    const done = await h.finished(started);

    expect(waiting).toMatchObject({ connection_status: 'PENDING', oauth_window_uri: expect.stringContaining('/oauth/') });
    expect(done).toMatchObject({ status: 'SUCCEEDED', counts: { accounts: 3 } });
  });

  it('attaches to an aggregation MX already runs (202) instead of starting another', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password', { skipAggregation: false });

    const started = await h.start('aggregate', user, member);
    const done = await h.finished(started);

    const starts = h.stack.simulator?.stats().requests.byEndpoint['POST /users/{user_guid}/members/{member_guid}/aggregate'];
    expect(done).toMatchObject({ status: 'SUCCEEDED', attached: true });
    expect(starts?.byStatus['202']).toBeGreaterThanOrEqual(1);
  });

  it('waits out another job type running on the member (409) and then verifies', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password', { skipAggregation: false });
    const conflictsBefore = h.stack.simulator?.stats().requests.byEndpoint['POST /users/{user_guid}/members/{member_guid}/verify']?.byStatus['409'] ?? 0;

    const started = await h.start('verify', user, member);
    const parked = await h.waitForJob(started, challenged);
    await h.answer(parked, [{ guid: String(parked.challenges?.[0]?.guid), value: String(parked.challenges?.[0]?.options?.[0]?.value) }]);
    const done = await h.finished(started);

    const conflicts = h.stack.simulator?.stats().requests.byEndpoint['POST /users/{user_guid}/members/{member_guid}/verify']?.byStatus['409'] ?? 0;
    expect(conflicts - conflictsBefore).toBeGreaterThanOrEqual(1);
    expect(done.status).toBe('SUCCEEDED');
  });

  it('absorbs injected 429 and 500 answers with the state machine’s retries', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');
    h.stack.simulator?.setFaults({ rate429: 0.15, rate500: 0.1 });

    const started = await h.start('aggregate', user, member);
    const done = await h.finished(started).finally(() => h.stack.simulator?.setFaults({ rate429: 0, rate500: 0 }));

    const faults = h.stack.simulator?.stats().faults;
    expect(done).toMatchObject({ status: 'SUCCEEDED', counts: { accounts: 3, transactions: 6_000 } });
    expect(await countRows(member, 'transactions')).toBe(6_000);
    expect((faults?.injected429 ?? 0) + (faults?.injected500 ?? 0)).toBeGreaterThan(0);
  });

  it('ends a job the institution does not offer FAILED NOT_SUPPORTED', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password', { institution: 'beehive_savings' });

    const done = await h.finished(await h.start('verify', user, member));

    expect(done).toMatchObject({ status: 'FAILED', error: { code: 'NOT_SUPPORTED' } });
  });

  it('keeps credentials, answers, account numbers and owner data out of every execution’s state', async () => {
    const executions = Object.values(h.stack.stateMachineArns).flatMap(
      (stateMachineArn) => h.stack.stepFunctions.listExecutions({ stateMachineArn, maxResults: 1000 }).executions ?? [],
    );
    const histories = await Promise.all(executions.map((e) => h.stack.stepFunctions.getExecutionHistory({ executionArn: String(e.executionArn), maxResults: 1000 })));
    const everything = JSON.stringify(histories);
    const members = [...new Set(executions.map((e) => JSON.parse(String(h.stack.stepFunctions.describeExecution({ executionArn: String(e.executionArn) }).input)).memberGuid as string))];
    const secrets = new Set<string>([SENTINEL_PASSWORD, SENTINEL_ANSWER, String(h.stack.simulator?.apiKey)]);
    for (const member of members) {
      for (const n of (await h.stack.results.listResults<Record<string, string>>(member, 'account_numbers')).items) {
        secrets.add(n.account_number as string).add(n.routing_number as string);
      }
      for (const o of (await h.stack.results.listResults<Record<string, string>>(member, 'account_owners')).items) {
        for (const field of ['owner_name', 'email', 'phone', 'address']) if (o[field]) secrets.add(o[field] as string);
      }
    }

    expect(executions.length).toBeGreaterThan(20);
    expect(secrets.size).toBeGreaterThan(6);
    expect([...secrets].filter((secret) => everything.includes(secret))).toEqual([]);
    // Field names too (a count of account numbers is fine: `account_numbers`).
    expect(everything).not.toMatch(/account_number(?!s)|routing_number|owner_name|credentials|challenges/);
  });

  it('never read any member’s status twice within 3 s of MX time', () => {
    const reads = h.stack.simulator?.stats().statusReads;

    expect(Object.keys(reads?.byMember ?? {}).length).toBeGreaterThan(10);
    expect(reads?.minGapMs).toBeGreaterThanOrEqual(3_000);
  });
});

function resumeCount(): number {
  return h.stack.simulator?.stats().requests.byEndpoint['PUT /users/{user_guid}/members/{member_guid}/resume']?.count ?? 0;
}

async function countRows(memberGuid: string, kind: 'transactions' | 'accounts'): Promise<number> {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await h.stack.results.listResults(memberGuid, kind, { limit: 1_000, ...(startKey ? { startKey } : {}) });
    count += page.items.length;
    startKey = page.lastKey;
  } while (startKey);
  return count;
}

describe('starting only what MX will start, and what each outcome means', () => {
  const mxStarts = (type: string) => h.stack.simulator?.stats().requests.byEndpoint[`POST /users/{user_guid}/members/{member_guid}/${type}`]?.count ?? 0;

  it('a PREVENTED job tells the end user to send new credentials, and the next start ends the same way without asking MX', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'prevented');

    const first = await h.finished(await h.start('aggregate', user, member));
    const startsBefore = mxStarts('identify');
    const second = await h.finished(await h.start('identify', user, member));

    expect(first).toMatchObject({ status: 'FAILED', connection_status: 'PREVENTED', error: { code: 'LOGIN_PREVENTED', message: expect.stringMatching(/new credentials \(PUT the member\)/) } });
    expect(second).toMatchObject({ status: 'FAILED', connection_status: 'PREVENTED', error: { code: 'LOGIN_PREVENTED' } });
    expect(mxStarts('identify')).toBe(startsBefore);
  });

  it('a DISABLED job is retried later, without the end user', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'disabled');

    const done = await h.finished(await h.start('aggregate', user, member));

    expect(done).toMatchObject({ status: 'FAILED', error: { code: 'CONNECTION_DISABLED', message: expect.stringMatching(/try again later, without the end user/) } });
    expect(FAILURE_REASONS.CONNECTION_DISABLED.retryLater).toBe(true);
  });

  it('ends a job on a LOCKED member ACCOUNT_LOCKED without asking MX to start it', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'locked');
    await h.finished(await h.start('aggregate', user, member));
    const startsBefore = mxStarts('verify');

    const done = await h.finished(await h.start('verify', user, member));

    expect(done).toMatchObject({ status: 'FAILED', connection_status: 'LOCKED', error: { code: 'ACCOUNT_LOCKED' } });
    expect(mxStarts('verify')).toBe(startsBefore);
  });

  it('a verification with no account numbers ends NO_ACCOUNT_NUMBERS', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'no_account_numbers');
    const started = await h.start('verify', user, member);
    const parked = await h.waitForJob(started, challenged);

    await h.answer(parked, [{ guid: String(parked.challenges?.[0]?.guid), value: String(parked.challenges?.[0]?.options?.[0]?.value) }]);
    const done = await h.finished(started);

    expect(done).toMatchObject({ status: 'FAILED', connection_status: 'CONNECTED', error: { code: 'NO_ACCOUNT_NUMBERS' }, counts: { account_numbers: 0 } });
  });

  it('a verification whose numbers failed MX’s validation succeeds with ACCOUNT_NUMBERS_NOT_VALIDATED', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'unvalidated_numbers');
    const started = await h.start('verify', user, member);
    const parked = await h.waitForJob(started, challenged);

    await h.answer(parked, [{ guid: String(parked.challenges?.[0]?.guid), value: String(parked.challenges?.[0]?.options?.[0]?.value) }]);
    const done = await h.finished(started);

    expect(done).toMatchObject({ status: 'SUCCEEDED', counts: { account_numbers: 1 }, warnings: [{ code: 'ACCOUNT_NUMBERS_NOT_VALIDATED', message: expect.any(String) }] });
  });

  it('a throttled aggregation says refreshed: false with DATA_NOT_REFRESHED; a fresh one says refreshed: true', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');

    const fresh = await h.finished(await h.start('aggregate', user, member));
    const throttled = await h.finished(await h.start('aggregate', user, member));

    expect(fresh).toMatchObject({ status: 'SUCCEEDED', counts: { accounts: 3, refreshed: true } });
    expect(fresh.warnings).toBeUndefined();
    expect(throttled).toMatchObject({ status: 'SUCCEEDED', counts: { accounts: 3, refreshed: false }, warnings: [{ code: 'DATA_NOT_REFRESHED', message: expect.any(String) }] });
  });

});

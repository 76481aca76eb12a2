import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COPY_STEP_BOUND, ENV, WORKFLOW_FUNCTIONS, WORKFLOW_STATES } from '#shared/contract/workflow.js';
import { type StartedJob, startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

/** Lambda's time limits at 6/100: FetchResults' limit is 9 s of real time here, its work bound 3 s. */
const LAMBDA_TIME_SCALE = 0.06;
/**
 * Three pages a step at most: the pages in flight when a bound is reached take this machine's
 * time, which no scale shrinks, so the page bound keeps each step well inside the 9 s.
 */
const STEP_PAGES = 3;
/** 6 pages of 1,000 an account: 18,000 rows in 19 pages, longer to copy here than one invocation's 9 s. */
const TRANSACTIONS_PER_ACCOUNT = 6_000;
const fetchFunction = WORKFLOW_FUNCTIONS.find((f) => f.state === WORKFLOW_STATES.fetchResults)!;
const limitMs = fetchFunction.timeoutSeconds * 1000 * LAMBDA_TIME_SCALE;

let h: WorkflowHarness;

beforeAll(async () => {
  h = await startWorkflowHarness({
    simulator: { seed: 'copy-steps', transactionsPerAccount: TRANSACTIONS_PER_ACCOUNT },
    faults: { lambdaTimeScale: LAMBDA_TIME_SCALE },
    // The work bound at the same scale as the time limit it has to fit in.
    environment: {
      [ENV.copyStepSeconds]: String(COPY_STEP_BOUND.seconds * LAMBDA_TIME_SCALE),
      [ENV.copyStepPages]: String(STEP_PAGES),
    },
  });
}, 180_000);
afterAll(async () => h?.stop());

/** Each FetchResults invocation of the execution: how long it ran and where it said to go next. */
async function fetchSteps(started: StartedJob): Promise<{ ms: number; next: string }[]> {
  const { events = [] } = await h.stack.stepFunctions.getExecutionHistory({
    executionArn: started.executionArn,
    maxResults: 10_000,
  });
  const steps: { ms: number; next: string }[] = [];
  let enteredAt: number | undefined;
  for (const event of events) {
    if (event.stateEnteredEventDetails?.name === WORKFLOW_STATES.fetchResults) enteredAt = Number(event.timestamp);
    if (event.stateExitedEventDetails?.name === WORKFLOW_STATES.fetchResults && enteredAt !== undefined) {
      const { progress } = JSON.parse(String(event.stateExitedEventDetails.output)) as { progress: { next: string } };
      steps.push({ ms: Number(event.timestamp) - enteredAt, next: progress.next });
    }
  }
  return steps;
}

/** What MX holds for the member: its accounts, and their transactions. */
async function atMx(user: string, member: string): Promise<{ accounts: number; transactions: number }> {
  let accounts = 0;
  let transactions = 0;
  for await (const page of h.mx.listMemberAccounts(user, member)) {
    accounts += page.items.length;
    for (const account of page.items) {
      const first = await h.mx.listTransactionsByAccount(user, String(account.guid)).next();
      transactions += first.done ? 0 : first.value.totalEntries;
    }
  }
  return { accounts, transactions };
}

describe('an aggregation copied in bounded FetchResults steps', () => {
  it('copies every transaction of a large member in several steps, none near the Lambda time limit', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');

    const started = await h.start('aggregate', user, member);
    const done = await h.finished(started);
    const steps = await fetchSteps(started);
    const expected = await atMx(user, member);

    expect(done).toMatchObject({ status: 'SUCCEEDED', counts: expected, error: null });
    expect(expected.transactions).toBe(expected.accounts * TRANSACTIONS_PER_ACCOUNT);
    expect(steps.length).toBeGreaterThan(2);
    expect(steps.slice(0, -1).every((s) => s.next === 'FETCH_RESULTS')).toBe(true);
    expect(steps.at(-1)?.next).toBe('RECORD_SUCCESS');
    expect(h.stack.faults.stats().lambda.timedOutInvocations).toBe(0);
    // Together longer than the limit: one invocation doing it all would have ended Sandbox.Timedout.
    expect(steps.every((s) => s.ms < limitMs)).toBe(true);
    expect(steps.reduce((total, s) => total + s.ms, 0)).toBeGreaterThan(limitMs);
  }, 180_000);
});

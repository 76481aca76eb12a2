import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COPY_STEP_BOUND, ENV, WORKFLOW_STATES } from '#shared/contract/workflow.js';
import { type StartedJob, startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

/** Lambda's time limits at 6/100: FetchResults' limit is 9 s of real time here. */
const LAMBDA_TIME_SCALE = 0.06;
/**
 * One page a step: the copy has to hand its cursor on and resume from it at every step. (The
 * time bound inside a step is the unit tests' to prove, on a clock they control: this machine's
 * time per page under load is no scale's to shrink.)
 */
const STEP_PAGES = 1;
/** 2 pages an account (1,000 rows and 1): 3,003 rows in 6 pages, so several steps. */
const TRANSACTIONS_PER_ACCOUNT = 1_001;

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

/** Each FetchResults invocation of the execution: where it said to go next. */
async function fetchSteps(started: StartedJob): Promise<{ next: string }[]> {
  const { events = [] } = await h.stack.stepFunctions.getExecutionHistory({
    executionArn: started.executionArn,
    maxResults: 10_000,
  });
  return events
    .filter((event) => event.stateExitedEventDetails?.name === WORKFLOW_STATES.fetchResults)
    .map((event) => {
      const { progress } = JSON.parse(String(event.stateExitedEventDetails?.output)) as { progress: { next: string } };
      return { next: progress.next };
    });
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
  it('copies every transaction of a member in one step a page, each step inside the Lambda time limit', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');

    const started = await h.start('aggregate', user, member);
    const done = await h.finished(started, 150_000);
    const steps = await fetchSteps(started);
    const expected = await atMx(user, member);

    expect(done).toMatchObject({ status: 'SUCCEEDED', counts: expected, error: null });
    expect(expected.transactions).toBe(expected.accounts * TRANSACTIONS_PER_ACCOUNT);
    // Each account's first page comes with the accounts' step, so at least one step a further page.
    expect(steps.length).toBeGreaterThanOrEqual(expected.accounts + 1);
    expect(steps.slice(0, -1).every((s) => s.next === 'FETCH_RESULTS')).toBe(true);
    expect(steps.at(-1)?.next).toBe('RECORD_SUCCESS');
    // The local engine holds each invocation to its function's limit (9 s here): none reached it.
    expect(h.stack.faults.stats().lambda.timedOutInvocations).toBe(0);
  }, 180_000);
});

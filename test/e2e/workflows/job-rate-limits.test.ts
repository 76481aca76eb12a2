import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MX_TROUBLE_WAITS } from '#shared/jobs/poll-schedule.js';
import { type StartedJob, startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;

beforeAll(async () => {
  h = await startWorkflowHarness({ simulator: { seed: 'rate-limits' } });
}, 180_000);
afterAll(async () => h?.stop());
afterEach(() => h.stack.simulator?.setFaults({ rate429: 0, retryAfterSeconds: 1 }));

const RETRY_AFTER_SECONDS = 10;
const stats = () => h.stack.simulator!.stats();

/** The waits the job's state machine took after MX trouble, read from its execution history. */
async function waitsAfterTrouble(started: StartedJob): Promise<number[]> {
  const { events = [] } = await h.stack.stepFunctions.getExecutionHistory({
    executionArn: started.executionArn,
    maxResults: 1000,
  });
  return events.flatMap((event) => {
    if (event.type !== 'WaitStateEntered' || !event.stateEnteredEventDetails?.input) return [];
    const { progress } = JSON.parse(event.stateEnteredEventDetails.input) as {
      progress: { retryWaits: number; waitSeconds: number };
    };
    return progress.retryWaits > 0 ? [progress.waitSeconds] : [];
  });
}

describe('jobs under MX’s 429s honour Retry-After', () => {
  it('calls a member no sooner than Retry-After (10 s of MX time) after each 429, and still succeeds', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');
    h.stack.simulator?.setFaults({ rate429: 0.5, retryAfterSeconds: RETRY_AFTER_SECONDS });

    const started = await h.start('identify', user, member);
    const done = await h.finished(started);

    const limits = stats().rateLimits.byMember[member];
    const gaps =
      limits?.after429.flatMap((r) => (r.nextRequestAt === null ? [] : [r.nextRequestAt - r.limitedAt])) ?? [];
    expect(done).toMatchObject({ status: 'SUCCEEDED', counts: { accounts: 3, account_owners: 3 } });
    expect(limits?.limited).toBeGreaterThan(0);
    expect(limits?.early).toBe(0);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(RETRY_AFTER_SECONDS * 1000);
    expect(Math.min(...(await waitsAfterTrouble(started)))).toBeGreaterThanOrEqual(RETRY_AFTER_SECONDS);
  });

  // How the waits of jobs limited together spread is decided in the unit layer
  // (poll-schedule.test.ts, poll-member-status.test.ts).
  it(`ends MX_UNAVAILABLE after ${MAX_MX_TROUBLE_WAITS} waits in a row, each as long as MX asked`, async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');
    h.stack.simulator?.setFaults({ rate429: 1, retryAfterSeconds: RETRY_AFTER_SECONDS });

    const started = await h.start('identify', user, member);
    const done = await h.finished(started);

    const limits = stats().rateLimits.byMember[member];
    expect(done).toMatchObject({ status: 'FAILED', error: { code: 'MX_UNAVAILABLE' } });
    expect(limits).toMatchObject({ limited: MAX_MX_TROUBLE_WAITS + 1, early: 0 });
    expect(await waitsAfterTrouble(started)).toHaveLength(MAX_MX_TROUBLE_WAITS);
  });
});

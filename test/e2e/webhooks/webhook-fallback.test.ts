import { Duration } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MX_STATUS_FLOOR_SECONDS } from '#shared/contract/time-budget.js';
import { startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;

// 1 s of MX time is 10 ms here: a 2-minute job, read at most every 3 + 30 s without webhooks.
const WEBHOOK_WAIT = Duration.seconds(30);
const JOB_MS = 120_000;

beforeAll(async () => {
  h = await startWorkflowHarness({
    timeScale: 0.01,
    simulator: {
      seed: 'webhook-fallback',
      jobDurationMs: JOB_MS,
      transactionsPerAccount: 20,
      webhookFaults: { dropRate: 1 },
    },
    mxWebhooks: { wait: WEBHOOK_WAIT },
  });
});
afterAll(async () => h?.stop());

describe('with every MX webhook lost', () => {
  it('finishes the job on the fallback reads alone, one per wait', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');

    const done = await h.finished(await h.start('aggregate', user, member), 30_000);

    const stats = h.stack.simulator?.stats();
    const reads = stats?.statusReads.byMember[member];
    const interval = (MX_STATUS_FLOOR_SECONDS + WEBHOOK_WAIT.toSeconds()) * 1000;
    expect(done).toMatchObject({ status: 'SUCCEEDED', connection_status: 'CONNECTED' });
    expect(stats?.webhooks.dropped).toBeGreaterThan(0);
    expect(stats?.webhooks.delivered).toBe(0);
    // Reads at the fallback pace, never at MX's 3 s floor: the job's 2 minutes took 4 or 5 of them.
    expect(reads?.minGapMs).toBeGreaterThanOrEqual(interval);
    expect(reads?.reads).toBeLessThanOrEqual(2 + Math.ceil(JOB_MS / interval));
  });
});

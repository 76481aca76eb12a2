import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_STATES } from '#shared/contract/workflow.js';
import { storedItems, syncedLongAgo } from '#test/support/api-client.js';
import { startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;

// RecordSuccess gets no time of its own to delete what its job replaced, as with a member far
// bigger than its 5 s: everything is left to the bounded DeleteSupersededResults steps.
beforeAll(async () => {
  h = await startWorkflowHarness({
    simulator: { seed: 'superseded-results', transactionsPerAccount: 40 },
    environment: { RESULTS_CLEANUP_MS: '0' },
  });
});
afterAll(async () => h?.stop());

const rowsOf = async (job: string) =>
  (await storedItems(h.stack)).filter((item) => String(item.pk).startsWith('RESULTS#') && item.job_guid === job);

describe('results a successful job replaced', () => {
  it('are deleted after the job ends, in steps of their own, while the new ones are served', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');
    const first = await h.start('aggregate', user, member);
    expect((await h.finished(first)).status).toBe('SUCCEEDED');
    const firstRows = await rowsOf(first.job.job_guid);
    // A full copy replaces them all (a member synced longer ago than MX lists changes for); a sync writes in place.
    await syncedLongAgo(h.stack, member);

    const second = await h.start('aggregate', user, member);
    const done = await h.finished(second);
    const history = await h.stack.stepFunctions.getExecutionHistory({
      executionArn: second.executionArn,
      maxResults: 1000,
    });
    const entered = (history.events ?? []).flatMap((e) => e.stateEnteredEventDetails?.name ?? []);

    expect(done.status).toBe('SUCCEEDED');
    expect(firstRows.length).toBeGreaterThan(100);
    expect(entered).toContain(WORKFLOW_STATES.deleteSupersededResults);
    expect(entered.at(-1)).toBe(WORKFLOW_STATES.jobSucceeded);
    expect(await rowsOf(first.job.job_guid)).toEqual([]);
    expect(await h.stack.results.countResults(member, 'transactions')).toBe(120);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_STATES } from '#shared/contract/workflow.js';
import { startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;

beforeAll(async () => {
  // A 30 s function gets 30 µs: no handler ends in time.
  h = await startWorkflowHarness({ faults: { lambdaTimeScale: 1e-6 } });
});
afterAll(async () => h?.stop());

describe('Lambda time limits on the local stack', () => {
  it('fails a job whose tasks run past their time limit with Sandbox.Timedout, as on AWS', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');
    const started = await h.start('identify', user, member);

    const execution = await h.stack.stepFunctions.waitForExecution(started.executionArn);

    expect(execution).toMatchObject({ status: 'FAILED', error: 'Sandbox.Timedout' });
    const { events = [] } = await h.stack.stepFunctions.getExecutionHistory({ executionArn: started.executionArn });
    const firstFailure = events.find(
      (event) => event.lambdaFunctionFailedEventDetails,
    )?.lambdaFunctionFailedEventDetails;
    expect(firstFailure).toMatchObject({
      error: 'Sandbox.Timedout',
      cause: expect.stringMatching(/Task timed out after 30\.00 seconds$/),
    });
    const entered = events.flatMap((event) => (event.stateEnteredEventDetails ? [event.stateEnteredEventDetails] : []));
    expect(entered.map((state) => state.name)).not.toContain(WORKFLOW_STATES.pollMemberStatus);
    expect(h.stack.faults.stats().lambda.timedOutInvocations).toBeGreaterThanOrEqual(2);
    const job = await h.waitForJob(started, (record) => record.status !== 'RUNNING');
    expect(job.status).toBe('FAILED');
  });
});

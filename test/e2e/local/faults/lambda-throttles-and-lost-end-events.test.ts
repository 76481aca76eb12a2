import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;

beforeAll(async () => {
  // Every task invocation is throttled, and every execution-ended event is lost.
  h = await startWorkflowHarness({ faults: { lambdaThrottleRate: 1, executionEndedDropRate: 1 } });
});
afterAll(async () => h?.stop());

describe('Lambda throttles and lost end events on the local stack', () => {
  it('fails a throttled job with Lambda.TooManyRequestsException and, its end event lost, leaves it RUNNING', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');
    const started = await h.start('verify', user, member);

    const execution = await h.stack.stepFunctions.waitForExecution(started.executionArn);

    expect(execution).toMatchObject({ status: 'FAILED', error: 'Lambda.TooManyRequestsException' });
    const { events = [] } = await h.stack.stepFunctions.getExecutionHistory({ executionArn: started.executionArn });
    const failures = events.flatMap((event) => {
      const failure = event.lambdaFunctionFailedEventDetails ?? event.taskFailedEventDetails;
      return failure ? [failure] : [];
    });
    expect(failures.length).toBeGreaterThan(0);
    expect(new Set(failures.map((failure) => failure.error))).toEqual(new Set(['Lambda.TooManyRequestsException']));
    // Today nothing else ends it: this is the job the reconciler must find.
    expect(await h.stack.jobs.getJob(member, started.job.job_guid)).toMatchObject({ status: 'RUNNING' });
    expect(await h.stack.jobs.getLock(member)).toMatchObject({ job_guid: started.job.job_guid });
    expect(h.stack.faults.stats().lambda).toMatchObject({
      throttledInvocations: failures.length,
      droppedExecutionEndedEvents: 1,
      timedOutInvocations: 0,
    });
  });
});

import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaContext } from '#local/lambda-context.js';
import { ENV, RECONCILE_JOBS_FUNCTION as spec } from '#shared/contract/workflow.js';
import { executionArnOf } from '#shared/jobs/reconcile-jobs.js';
import { startJobExecution } from '#shared/jobs/start-job-execution.js';
import { newJobGuid } from '#shared/store/job-record.js';
import { startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

type Handler = typeof import('#functions/events/reconcile-jobs.js')['handler'];

let h: WorkflowHarness;
let reconcilerHandler: Handler;

beforeAll(async () => {
  h = await startWorkflowHarness({
    // MX jobs that outlast the file: a job runs until a test stops its execution.
    simulator: { jobDurationMs: 100_000_000 },
    // Every end event is lost: only the reconciler can end a job whose execution stopped.
    faults: { executionEndedDropRate: 1 },
    // The stack's clock runs 1,000 times faster; the reconciler's threshold is real time.
    environment: { [ENV.reconcileAfterSeconds]: '0' },
  });
  // Imported only now: the handler reads the environment the harness set.
  reconcilerHandler = (await import('#functions/events/reconcile-jobs.js')).handler;
});
afterAll(async () => h?.stop());

const reconcile = () => reconcilerHandler({}, lambdaContext(spec.id, spec.memoryMb, spec.timeoutSeconds));

describe('the job reconciler on the local stack', () => {
  it('ends a job recorded by a start that crashed before StartExecution, freeing its member', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');
    const now = new Date();
    const crashed = await h.stack.jobs.createJob({
      jobGuid: newJobGuid(now),
      type: 'verify',
      userGuid: user,
      memberGuid: member,
      now,
      lockSeconds: 3 * 3600,
    });

    const pass = await reconcile();

    expect(pass.byReason).toMatchObject({ EXECUTION_NOT_STARTED: 1 });
    expect(await h.stack.jobs.getJob(member, crashed.job_guid)).toMatchObject({
      status: 'FAILED',
      error: { code: 'EXECUTION_NOT_STARTED' },
    });
    const next = await h.start('verify', user, member);
    expect(next.job.status).toBe('RUNNING');
  });

  it('leaves a job whose execution runs as it is', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');
    const started = await h.start('aggregate', user, member);
    await h.waitForJob(started, (r) => r.connection_status === 'CREATED');

    const pass = await reconcile();

    expect(pass.checked).toBeGreaterThanOrEqual(1);
    expect(await h.stack.jobs.getJob(member, started.job.job_guid)).toMatchObject({ status: 'RUNNING' });
    expect(await h.stack.jobs.getLock(member)).toMatchObject({ job_guid: started.job.job_guid });
    expect(h.stack.stepFunctions.describeExecution({ executionArn: started.executionArn }).status).toBe('RUNNING');
  });

  it('ends a job whose execution was stopped and whose end event was lost, as the event would have', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');
    const started = await h.start('aggregate', user, member);
    await h.waitForJob(started, (r) => r.connection_status === 'CREATED');
    await h.stack.sfn.send(new StopExecutionCommand({ executionArn: started.executionArn, error: 'Operator' }));
    await h.stack.stepFunctions.waitForExecution(started.executionArn);
    const leftRunning = await h.stack.jobs.getJob(member, started.job.job_guid);

    const pass = await reconcile();

    expect(leftRunning?.status).toBe('RUNNING');
    expect(h.stack.faults.stats().lambda.droppedExecutionEndedEvents).toBeGreaterThanOrEqual(1);
    expect(pass.byReason).toMatchObject({ EXECUTION_ABORTED: 1 });
    expect(await h.stack.jobs.getJob(member, started.job.job_guid)).toMatchObject({
      status: 'FAILED',
      error: { code: 'EXECUTION_ABORTED' },
    });
    expect(await h.stack.jobs.getLock(member)).toBeUndefined();
  });
});

describe('a job start that crashed before StartExecution, on the local stack', () => {
  it('runs the one execution of the job when the start is repeated, however often', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');
    const request = { type: 'verify', userGuid: user, memberGuid: member } as const;
    const deps = { jobs: h.stack.jobs, stateMachineArns: h.stack.stateMachineArns, lockSeconds: 3600 };
    const now = () => new Date();
    // The function dies with its StartExecution on the way: the request never reaches Step Functions.
    void startJobExecution({ ...deps, now, sfn: { send: () => new Promise<never>(() => undefined) } }, request);
    const crashed = await waitFor(() => h.stack.jobs.getLock(member));

    const repeats = [
      await startJobExecution({ ...deps, now, sfn: h.stack.sfn }, request),
      await startJobExecution({ ...deps, now, sfn: h.stack.sfn }, request),
    ];

    const executionArn = executionArnOf(h.stack.stateMachineArns.verify, crashed.job_guid);
    expect(repeats.map((outcome) => !outcome.started && outcome.executionArn)).toEqual([executionArn, executionArn]);
    const executions = h.stack.stepFunctions.listExecutions({ stateMachineArn: h.stack.stateMachineArns.verify });
    expect(executions.executions?.filter((e) => e.name === crashed.job_guid)).toHaveLength(1);
    // The execution runs the job the crashed start recorded: its record moves on.
    const job = await waitFor(() => h.stack.jobs.getJob(member, crashed.job_guid));
    await h.waitForJob({ job, executionArn }, (r) => r.connection_status !== null);
  });
});

async function waitFor<T>(read: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('never got there');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

import { afterEach, describe, expect, it } from 'vitest';
import { jobStateMachines } from '#local/job-state-machines.js';
import { LocalStepFunctions, type TaskHandler } from '#local/step-functions/index.js';
import { type ExecutionInput, WORKFLOW_STATES as STATE } from '#shared/contract/workflow.js';

/** The deployed ASL, run by the local engine with stand-in tasks: a second of ASL time is a millisecond here. */
const TIME_SCALE = 0.001;
const INPUT: ExecutionInput = {
  jobGuid: 'JOB-throttled',
  userGuid: 'USR-1',
  memberGuid: 'MBR-1',
  observeOnly: false,
  includeTransactions: false,
  isOauth: false,
  unattended: false,
};

/** Throws an error of this name the first `times` calls, then answers `result`; counts every call. */
function throwsThen(name: string, times: number, result: unknown): TaskHandler & { calls: number } {
  const handler = Object.assign(
    () => {
      handler.calls += 1;
      if (handler.calls <= times) throw Object.assign(new Error(`${name} (call ${handler.calls})`), { name });
      return result;
    },
    { calls: 0 },
  );
  return handler;
}

let engine: LocalStepFunctions | undefined;
afterEach(async () => {
  await engine?.shutdown();
  engine = undefined;
});

async function runAggregate(taskHandlers: Record<string, TaskHandler>) {
  const [machine] = jobStateMachines('Mxflow-throttles');
  engine = new LocalStepFunctions({
    stateMachines: [machine!],
    taskHandlers,
    timeScale: TIME_SCALE,
    definitionsValidated: true,
  });
  const { executionArn } = engine.startExecution({
    stateMachineArn: engine.stateMachineArn(machine!.name),
    name: INPUT.jobGuid,
    input: JSON.stringify(INPUT),
  });
  return engine.waitForExecution(String(executionArn), 20_000);
}

const recordedSuccess = { next: 'RECORD_SUCCESS', counts: { accounts: 0 } };

describe('AWS throttles in the job state machine', () => {
  it('retries a Lambda throttle and a DynamoDB throttle, and the job succeeds', async () => {
    const start = throwsThen('Lambda.TooManyRequestsException', 3, recordedSuccess);
    const recordSuccess = throwsThen('ProvisionedThroughputExceededException', 2, { status: 'SUCCEEDED' });
    const recordFailure = throwsThen('never', 0, { reason: 'INTERNAL_ERROR' });

    const execution = await runAggregate({
      [STATE.startMxJob]: start,
      [STATE.recordSuccess]: recordSuccess,
      [STATE.recordFailure]: recordFailure,
    });

    expect(execution.status).toBe('SUCCEEDED');
    expect([start.calls, recordSuccess.calls, recordFailure.calls]).toEqual([4, 3, 0]);
  });

  it('retries a transaction conflict and the batch write that gave up on its unprocessed items', async () => {
    const start = throwsThen('TransactionCanceledException', 2, recordedSuccess);
    const recordSuccess = throwsThen('DynamoDbThrottled', 2, { status: 'SUCCEEDED' });

    const execution = await runAggregate({ [STATE.startMxJob]: start, [STATE.recordSuccess]: recordSuccess });

    expect(execution.status).toBe('SUCCEEDED');
    expect([start.calls, recordSuccess.calls]).toEqual([3, 3]);
  });

  it('records the failure as before once a throttle outlasts every retry', async () => {
    const start = throwsThen('Lambda.TooManyRequestsException', 1_000, recordedSuccess);
    const failures: unknown[] = [];
    const recordFailure: TaskHandler = (payload) => {
      failures.push(payload);
      return { reason: 'INTERNAL_ERROR' };
    };

    const execution = await runAggregate({ [STATE.startMxJob]: start, [STATE.recordFailure]: recordFailure });

    expect(execution.status).toBe('FAILED');
    expect(start.calls).toBe(9);
    expect(failures).toEqual([
      expect.objectContaining({
        state: expect.objectContaining({
          error: expect.objectContaining({ Error: 'Lambda.TooManyRequestsException' }),
        }),
      }),
    ]);
  });
});

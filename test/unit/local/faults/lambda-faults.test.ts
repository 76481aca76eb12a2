import { afterEach, describe, expect, it } from 'vitest';
import { faultRandom } from '#local/faults/fault-random.js';
import { LambdaFaultInjector, type LambdaFaults } from '#local/faults/lambda-faults.js';
import { LocalStepFunctions } from '#local/step-functions/engine.js';

const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';

/** One Lambda task; a Catch on States.TaskFailed, as the job state machines have, records what it caught. */
const copyMachine = {
  StartAt: 'Copy',
  States: {
    Copy: {
      Type: 'Task',
      Resource: LAMBDA_INVOKE,
      Parameters: { FunctionName: 'copy', 'Payload.$': '$' },
      OutputPath: '$.Payload',
      Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.caught', Next: 'Failed' }],
      End: true,
    },
    Failed: { Type: 'Fail', ErrorPath: '$.caught.Error', CausePath: '$.caught.Cause' },
  },
};

/** The copy function's size: AWS ends it after 30 s. */
const COPY_FUNCTION = { id: 'CopyFunction', timeoutSeconds: 30 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('local Lambda faults', () => {
  let engine: LocalStepFunctions | undefined;
  afterEach(async () => {
    await engine?.shutdown();
    engine = undefined;
  });

  /** Runs the copy machine once, its task's handler taking `workMs` of real time under `faults`. */
  async function runCopy(faults: LambdaFaults, workMs: number) {
    const lambda = new LambdaFaultInjector(faults, faultRandom('test'));
    const finished: string[] = [];
    engine = new LocalStepFunctions({
      stateMachines: [{ name: 'copy', definition: copyMachine }],
      taskHandlers: {
        Copy: () =>
          lambda.invoke(COPY_FUNCTION, async () => {
            await sleep(workMs);
            finished.push('copied');
            return { copied: 1_000 };
          }),
      },
      timeScale: 0.001,
    });
    const { executionArn } = engine.startExecution({ stateMachineArn: engine.stateMachineArn('copy'), input: '{}' });
    const execution = await engine.waitForExecution(String(executionArn));
    return { execution, lambda, finished, executionArn: String(executionArn) };
  }

  it('fails a task that runs past its function time limit with Sandbox.Timedout and drops its result', async () => {
    // 30 s × 0.001: the handler's 200 ms of work is far past its 30 ms.
    const { execution, lambda, finished, executionArn } = await runCopy({ lambdaTimeScale: 0.001 }, 200);
    await sleep(300); // the handler, which Node cannot freeze, ends its work

    expect(execution).toMatchObject({
      status: 'FAILED',
      error: 'Sandbox.Timedout',
      cause: expect.stringMatching(/Task timed out after 30\.00 seconds$/),
    });
    expect(finished).toEqual(['copied']);
    expect(engine?.describeExecution({ executionArn })).toMatchObject({ status: 'FAILED', error: 'Sandbox.Timedout' });
    expect(lambda.stats().timedOutInvocations).toBe(1);
  });

  it('keeps the result of a task that ends within its time limit', async () => {
    const { execution, lambda } = await runCopy({ lambdaTimeScale: 0.1 }, 5);

    expect(execution).toMatchObject({ status: 'SUCCEEDED', output: JSON.stringify({ copied: 1_000 }) });
    expect(lambda.stats().timedOutInvocations).toBe(0);
  });

  it('refuses a throttled invocation with Lambda.TooManyRequestsException before its handler runs', async () => {
    const { execution, lambda, finished } = await runCopy({ lambdaThrottleRate: 1 }, 0);

    expect(execution).toMatchObject({ status: 'FAILED', error: 'Lambda.TooManyRequestsException' });
    expect(finished).toEqual([]);
    expect(lambda.stats().throttledInvocations).toBe(1);
  });

  it('gives every function its real time limit by default', () => {
    const lambda = new LambdaFaultInjector({}, faultRandom('test'));

    expect(lambda.limitSeconds(COPY_FUNCTION)).toBe(30);
  });

  it('drops the share of execution-ended deliveries it is told to, the same ones for the same seed', () => {
    const drops = () => {
      const lambda = new LambdaFaultInjector({ executionEndedDropRate: 0.3 }, faultRandom('seeded'));
      const dropped = Array.from({ length: 200 }, () => lambda.dropsExecutionEnded());
      return { dropped, counted: lambda.stats().droppedExecutionEndedEvents };
    };

    const first = drops();

    expect(drops()).toEqual(first);
    expect(first.counted).toBe(first.dropped.filter(Boolean).length);
    expect(first.counted).toBeGreaterThan(30);
    expect(first.counted).toBeLessThan(90);
  });
});

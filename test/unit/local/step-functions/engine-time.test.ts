import { afterEach, describe, expect, it } from 'vitest';
import { LocalStepFunctions } from '#local/step-functions/engine.js';
import { slowMachine, waitMachine } from '#test/support/step-functions/machines.js';

describe('LocalStepFunctions time scaling', () => {
  let engine: LocalStepFunctions | undefined;
  afterEach(async () => {
    await engine?.shutdown();
    engine = undefined;
  });

  it('waits SecondsPath × timeScale (and Seconds × timeScale)', async () => {
    engine = new LocalStepFunctions({
      stateMachines: [{ name: 'wait', definition: waitMachine }],
      taskHandlers: {},
      timeScale: 0.01,
    });
    const started = performance.now();
    // 30 s × 0.01 = 300 ms, then 2 s × 0.01 = 20 ms.
    const { executionArn } = engine.startExecution({
      stateMachineArn: engine.stateMachineArn('wait'),
      input: '{"delaySeconds":30}',
    });
    const done = await engine.waitForExecution(executionArn!);
    const elapsed = performance.now() - started;
    expect(done).toMatchObject({ status: 'SUCCEEDED', output: JSON.stringify({ delaySeconds: 30, result: 'waited' }) });
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(3_000);
  });

  it('reports the rewritten SecondsPath Wait as a Wait state in the history', async () => {
    engine = new LocalStepFunctions({
      stateMachines: [{ name: 'wait', definition: waitMachine }],
      taskHandlers: {},
      timeScale: 0.001,
    });
    const { executionArn } = engine.startExecution({
      stateMachineArn: engine.stateMachineArn('wait'),
      input: '{"delaySeconds":1}',
    });
    await engine.waitForExecution(executionArn!);
    const { events } = await engine.getExecutionHistory({ executionArn });
    expect(events!.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'WaitStateEntered',
      'WaitStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('fails with States.Runtime when SecondsPath selects nothing', async () => {
    engine = new LocalStepFunctions({
      stateMachines: [{ name: 'wait', definition: waitMachine }],
      taskHandlers: {},
      timeScale: 0.001,
    });
    const { executionArn } = engine.startExecution({ stateMachineArn: engine.stateMachineArn('wait'), input: '{}' });
    expect(await engine.waitForExecution(executionArn!)).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
  });

  it('ends the execution TIMED_OUT after the scaled machine TimeoutSeconds', async () => {
    engine = new LocalStepFunctions({
      stateMachines: [{ name: 'slow', definition: slowMachine }],
      taskHandlers: {},
      timeScale: 0.01,
    });
    const started = performance.now();
    // TimeoutSeconds 5 × 0.01 = 50 ms, well before the 60 s × 0.01 = 600 ms Wait ends.
    const { executionArn } = engine.startExecution({ stateMachineArn: engine.stateMachineArn('slow') });
    const done = await engine.waitForExecution(executionArn!);
    expect(performance.now() - started).toBeLessThan(550);
    expect(done).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    const { events } = await engine.getExecutionHistory({ executionArn });
    expect(events!.at(-1)?.type).toBe('ExecutionTimedOut');
  });

  it('scales Retry intervals (IntervalSeconds × BackoffRate^attempt)', async () => {
    const retryMachine = {
      StartAt: 'Flaky',
      States: {
        Flaky: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'flaky', 'Payload.$': '$' },
          Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 10, BackoffRate: 2, MaxAttempts: 2 }],
          OutputPath: '$.Payload',
          End: true,
        },
      },
    };
    const callTimes: number[] = [];
    engine = new LocalStepFunctions({
      stateMachines: [{ name: 'retry', definition: retryMachine }],
      taskHandlers: {
        Flaky: async () => {
          callTimes.push(performance.now());
          if (callTimes.length < 3) throw new Error('flaky');
          return 'ok';
        },
      },
      timeScale: 0.01,
    });
    const { executionArn } = engine.startExecution({ stateMachineArn: engine.stateMachineArn('retry') });
    expect(await engine.waitForExecution(executionArn!)).toMatchObject({ status: 'SUCCEEDED', output: '"ok"' });
    // 10 s × 0.01 = 100 ms, then 20 s × 0.01 = 200 ms.
    expect(callTimes[1]! - callTimes[0]!).toBeGreaterThanOrEqual(95);
    expect(callTimes[2]! - callTimes[1]!).toBeGreaterThanOrEqual(195);
    expect(callTimes[2]! - callTimes[0]!).toBeLessThan(3_000);
  });
});

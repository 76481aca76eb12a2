import { afterEach, describe, expect, it } from 'vitest';
import { LocalStepFunctions, type LocalStepFunctionsOptions } from '#local/step-functions/engine.js';
import { directLambdaMachine, fetchMachine } from '#test/support/step-functions/machines.js';

class MxRateLimited extends Error {
  override name = 'MxRateLimited';
}
class MxLoginFailed extends Error {
  override name = 'MxLoginFailed';
}

describe('LocalStepFunctions tasks', () => {
  let engine: LocalStepFunctions | undefined;
  afterEach(async () => {
    await engine?.shutdown();
    engine = undefined;
  });

  function start(
    taskHandlers: LocalStepFunctionsOptions['taskHandlers'],
    definition: object = fetchMachine,
  ): { engine: LocalStepFunctions; arn: string } {
    engine = new LocalStepFunctions({ stateMachines: [{ name: 'fetch', definition }], taskHandlers, timeScale: 0.001 });
    return { engine, arn: engine.stateMachineArn('fetch') };
  }

  it('wraps a lambda:invoke result in {StatusCode, Payload} so the ASL ResultSelector applies', async () => {
    const payloads: unknown[] = [];
    const { engine, arn } = start({
      Fetch: async (payload) => {
        payloads.push(payload);
        return { accounts: ['a', 'b'], fetchedAt: new Date(0) };
      },
    });
    const { executionArn } = engine.startExecution({
      stateMachineArn: arn,
      input: JSON.stringify({ member: 'MBR-1' }),
    });
    const done = await engine.waitForExecution(executionArn!);
    expect(payloads).toEqual([{ member: 'MBR-1' }]);
    expect(done).toMatchObject({ status: 'SUCCEEDED', output: JSON.stringify({ count: 2 }) });
  });

  it('retries on the thrown error name, then succeeds', async () => {
    let calls = 0;
    const { engine, arn } = start({
      Fetch: async () => {
        calls += 1;
        if (calls < 3) throw new MxRateLimited('slow down');
        return { accounts: ['a'] };
      },
    });
    const { executionArn } = engine.startExecution({ stateMachineArn: arn, input: '{}' });
    expect(await engine.waitForExecution(executionArn!)).toMatchObject({ status: 'SUCCEEDED' });
    expect(calls).toBe(3);
    const { events } = await engine.getExecutionHistory({ executionArn });
    expect(events!.filter((event) => event.type === 'TaskFailed').map((event) => event.taskFailedEventDetails)).toEqual(
      [
        { resourceType: 'lambda', resource: 'invoke', error: 'MxRateLimited', cause: 'slow down' },
        { resourceType: 'lambda', resource: 'invoke', error: 'MxRateLimited', cause: 'slow down' },
      ],
    );
    expect(events!.filter((event) => event.type === 'TaskScheduled')).toHaveLength(3);
  });

  it('fails the execution with the error name once retries are exhausted', async () => {
    const { engine, arn } = start({ Fetch: () => Promise.reject(new MxRateLimited('still too fast')) });
    const { executionArn } = engine.startExecution({ stateMachineArn: arn });
    expect(await engine.waitForExecution(executionArn!)).toMatchObject({
      status: 'FAILED',
      error: 'MxRateLimited',
      cause: 'still too fast',
    });
  });

  it('routes a caught error name to the Catch target with {Error, Cause} at its ResultPath', async () => {
    const { engine, arn } = start({ Fetch: async () => Promise.reject(new MxLoginFailed('bad credentials')) });
    const { executionArn } = engine.startExecution({ stateMachineArn: arn, input: '{"member":"MBR-2"}' });
    const done = await engine.waitForExecution(executionArn!);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({
      member: 'MBR-2',
      error: { Error: 'MxLoginFailed', Cause: 'bad credentials' },
    });
  });

  it('reports a Fail state as the execution error and cause', async () => {
    const { engine, arn } = start({ Fetch: async () => ({ accounts: [] }) });
    const { executionArn } = engine.startExecution({ stateMachineArn: arn });
    expect(await engine.waitForExecution(executionArn!)).toMatchObject({
      status: 'FAILED',
      error: 'NoAccounts',
      cause: 'MX returned no accounts',
    });
  });

  it('fails the execution, naming the state, when a Task has no handler', async () => {
    const { engine, arn } = start({});
    const { executionArn } = engine.startExecution({ stateMachineArn: arn });
    const done = await engine.waitForExecution(executionArn!);
    expect(done).toMatchObject({ status: 'FAILED', error: 'LocalStepFunctions.MissingTaskHandler' });
    expect(done.cause).toContain("'Fetch'");
  });

  it('calls a direct Lambda ARN resource with the input and uses the result as is', async () => {
    const { engine, arn } = start(
      { Double: async (input) => ({ value: (input as { value: number }).value * 2 }) },
      directLambdaMachine,
    );
    const { executionArn } = engine.startExecution({ stateMachineArn: arn, input: '{"value":21}' });
    expect(await engine.waitForExecution(executionArn!)).toMatchObject({ status: 'SUCCEEDED', output: '{"value":42}' });
    const { events } = await engine.getExecutionHistory({ executionArn });
    expect(events!.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('rejects an invalid definition when loading it', () => {
    expect(
      () =>
        new LocalStepFunctions({
          stateMachines: [{ name: 'bad', definition: { StartAt: 'Nowhere', States: {} } }],
          taskHandlers: {},
        }),
    ).toThrow(/invalid definition/);
  });
});

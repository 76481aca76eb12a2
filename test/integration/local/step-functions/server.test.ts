import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidToken,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalStepFunctions } from '#local/step-functions/engine.js';
import { type LocalStepFunctionsServer, startLocalStepFunctionsServer } from '#local/step-functions/server.js';
import { challengeMachine } from '#test/support/step-functions/machines.js';
import { TaskCalls } from '#test/support/step-functions/task-calls.js';

interface ChallengePayload {
  taskToken: string;
  member: string;
  executionId: string;
}

describe('local Step Functions server (through @aws-sdk/client-sfn)', () => {
  let server: LocalStepFunctionsServer | undefined;
  let client: SFNClient | undefined;
  afterEach(async () => {
    client?.destroy();
    await server?.stop();
    server = undefined;
    client = undefined;
  });

  /** timeScale 0.5 keeps the 30 s challenge timeout (15 s) out of the way; 0.001 makes it 30 ms. */
  async function start(
    timeScale = 0.5,
  ): Promise<{ sfn: SFNClient; calls: TaskCalls<ChallengePayload>; stateMachineArn: string }> {
    const calls = new TaskCalls<ChallengePayload>();
    const engine = new LocalStepFunctions({
      stateMachines: [{ name: 'challenge', definition: challengeMachine }],
      taskHandlers: { AwaitChallenge: calls.handler },
      timeScale,
    });
    server = await startLocalStepFunctionsServer(engine);
    client = new SFNClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    return { sfn: client, calls, stateMachineArn: engine.stateMachineArn('challenge') };
  }

  async function finalStatus(sfn: SFNClient, executionArn: string): Promise<string | undefined> {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (status !== 'RUNNING') return status;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`${executionArn} did not finish`);
  }

  it('resumes a waitForTaskToken task with SendTaskSuccess, minting a fresh token per entry', async () => {
    const { sfn, calls, stateMachineArn } = await start();
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name: 'member-1', input: JSON.stringify({ member: 'MBR-1' }) }),
    );
    expect(executionArn).toBe('arn:aws:states:us-east-1:123456789012:execution:challenge:member-1');

    const first = await calls.nth(1);
    expect(first).toMatchObject({ member: 'MBR-1', executionId: executionArn });
    await sfn.send(new SendTaskSuccessCommand({ taskToken: first.taskToken, output: JSON.stringify({ retry: true }) }));

    const second = await calls.nth(2); // the Choice looped back into the same Task state
    expect(second.taskToken).not.toBe(first.taskToken);
    await sfn.send(
      new SendTaskSuccessCommand({ taskToken: second.taskToken, output: JSON.stringify({ code: '1234' }) }),
    );

    expect(await finalStatus(sfn, executionArn!)).toBe('SUCCEEDED');
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(JSON.parse(described.output!)).toEqual({ member: 'MBR-1', answer: { code: '1234' } });
    expect(described.startDate).toBeInstanceOf(Date);
    expect(described.stopDate!.getTime()).toBeGreaterThanOrEqual(described.startDate!.getTime());

    // A token is good for one answer; an unknown one was never valid.
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: second.taskToken, output: '{}' })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: first.taskToken, output: '{}' })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' })),
    ).rejects.toBeInstanceOf(InvalidToken);
  });

  it('accepts SendTaskSuccess from inside the handler, before it has returned', async () => {
    const engine = new LocalStepFunctions({
      stateMachines: [{ name: 'challenge', definition: challengeMachine }],
      taskHandlers: {
        AwaitChallenge: async (payload) => {
          const { taskToken } = payload as ChallengePayload;
          await client!.send(new SendTaskSuccessCommand({ taskToken, output: '{"code":"inline"}' }));
          return { accepted: true };
        },
      },
      timeScale: 0.5,
    });
    server = await startLocalStepFunctionsServer(engine);
    client = new SFNClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: engine.stateMachineArn('challenge'), input: '{"member":"M"}' }),
    );
    expect(await finalStatus(client, executionArn!)).toBe('SUCCEEDED');
    const { output } = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(JSON.parse(output!)).toEqual({ member: 'M', answer: { code: 'inline' } });
  });

  it('records every state input and output in GetExecutionHistory', async () => {
    const { sfn, calls, stateMachineArn } = await start();
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, input: '{"member":"MBR-9"}' }),
    );
    await sfn.send(new SendTaskSuccessCommand({ taskToken: (await calls.nth(1)).taskToken, output: '{"code":"42"}' }));
    expect(await finalStatus(sfn, executionArn!)).toBe('SUCCEEDED');

    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    const types = events!.map((event) => event.type);
    expect(types).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events!.map((event) => event.id)).toEqual(events!.map((_event, index) => index + 1));
    expect(events!.every((event) => event.timestamp instanceof Date)).toBe(true);

    const entered = (name: string): HistoryEvent | undefined =>
      events!.find((event) => event.stateEnteredEventDetails?.name === name);
    const exited = (name: string): HistoryEvent | undefined =>
      events!.find((event) => event.stateExitedEventDetails?.name === name);
    const afterTask = { member: 'MBR-9', answer: { code: '42' } };
    expect(JSON.parse(events![0]!.executionStartedEventDetails!.input!)).toEqual({ member: 'MBR-9' });
    expect(JSON.parse(entered('AwaitChallenge')!.stateEnteredEventDetails!.input!)).toEqual({ member: 'MBR-9' });
    expect(JSON.parse(exited('AwaitChallenge')!.stateExitedEventDetails!.output!)).toEqual(afterTask);
    expect(JSON.parse(entered('Again')!.stateEnteredEventDetails!.input!)).toEqual(afterTask);
    expect(JSON.parse(exited('Again')!.stateExitedEventDetails!.output!)).toEqual(afterTask);
    expect(JSON.parse(exited('Answered')!.stateExitedEventDetails!.output!)).toEqual(afterTask);
    expect(JSON.parse(events!.at(-1)!.executionSucceededEventDetails!.output!)).toEqual(afterTask);

    const scheduled = events!.find((event) => event.type === 'TaskScheduled')!.taskScheduledEventDetails!;
    expect(scheduled).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      region: 'us-east-1',
    });
    expect(JSON.parse(scheduled.parameters!).Payload.taskToken).toBe(calls.calls[0]!.taskToken);
    expect(
      JSON.parse(events!.find((event) => event.type === 'TaskSucceeded')!.taskSucceededEventDetails!.output!),
    ).toEqual({ code: '42' });
  });

  it('fails a token task with SendTaskFailure error and cause (caught by error name)', async () => {
    const { sfn, calls, stateMachineArn } = await start();
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, input: '{"member":"MBR-2"}' }),
    );
    await sfn.send(
      new SendTaskFailureCommand({
        taskToken: (await calls.nth(1)).taskToken,
        error: 'ChallengeRejected',
        cause: 'user said no',
      }),
    );
    expect(await finalStatus(sfn, executionArn!)).toBe('FAILED');
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events!.find((event) => event.type === 'TaskFailed')?.taskFailedEventDetails).toMatchObject({
      error: 'ChallengeRejected',
      cause: 'user said no',
    });
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({ error: 'ChallengeRejected', cause: 'The challenge was rejected' });
  });

  it('times a token task out as States.Timeout after the scaled TimeoutSeconds, closing its token', async () => {
    const { sfn, calls, stateMachineArn } = await start(0.001); // TimeoutSeconds 30 → 30 ms
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, input: '{"member":"MBR-3"}' }),
    );
    const { taskToken } = await calls.nth(1);
    expect(await finalStatus(sfn, executionArn!)).toBe('FAILED');
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({ error: 'ChallengeTimedOut' }); // the Catch on States.Timeout routed to TimedOut
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events!.find((event) => event.type === 'TaskTimedOut')?.taskTimedOutEventDetails).toMatchObject({
      error: 'States.Timeout',
    });
    expect(
      events!.some((event) => event.type === 'FailStateEntered' && event.stateEnteredEventDetails?.name === 'TimedOut'),
    ).toBe(true);
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))).rejects.toBeInstanceOf(
      TaskTimedOut,
    );
  });

  it('aborts an execution with StopExecution and closes its pending token', async () => {
    const { sfn, calls, stateMachineArn } = await start();
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, input: '{"member":"MBR-4"}' }),
    );
    const { taskToken } = await calls.nth(1);
    const { stopDate } = await sfn.send(
      new StopExecutionCommand({ executionArn, error: 'UserCancelled', cause: 'member deleted' }),
    );
    expect(stopDate).toBeInstanceOf(Date);

    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({ status: 'ABORTED', error: 'UserCancelled', cause: 'member deleted' });
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))).rejects.toBeInstanceOf(
      TaskTimedOut,
    );
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events!.at(-1)).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'UserCancelled', cause: 'member deleted' },
    });
    expect(calls.calls).toHaveLength(1);

    const aborted = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'ABORTED' }));
    expect(aborted.executions!.map((execution) => execution.executionArn)).toEqual([executionArn]);
    expect(
      (await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING' }))).executions,
    ).toEqual([]);
  });

  it('applies AWS execution-name semantics to StartExecution', async () => {
    const { sfn, stateMachineArn } = await start();
    const input = '{"member":"MBR-5"}';
    const first = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'once', input }));
    // Same name and input while RUNNING: idempotent.
    const again = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'once', input }));
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate).toEqual(first.startDate);
    // Same name, other input: rejected.
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'once', input: '{"member":"other"}' })),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    // Once it is no longer running, even the same input is rejected.
    await sfn.send(new StopExecutionCommand({ executionArn: first.executionArn }));
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'once', input }))).rejects.toBeInstanceOf(
      ExecutionAlreadyExists,
    );
  });

  it('answers unknown ARNs with typed exceptions', async () => {
    const { sfn } = await start();
    await expect(
      sfn.send(
        new DescribeExecutionCommand({
          executionArn: 'arn:aws:states:us-east-1:123456789012:execution:challenge:nope',
        }),
      ),
    ).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:nope',
          input: '{}',
        }),
      ),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
  });

  it('answers an operation nothing here calls with UnknownOperationException', async () => {
    await start();

    const response = await fetch(server!.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'AWSStepFunctions.ListStateMachines' },
      body: '{}',
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it('is reachable through AWS_ENDPOINT_URL_SFN without an explicit endpoint', async () => {
    const { stateMachineArn } = await start();
    const previous = process.env.AWS_ENDPOINT_URL_SFN;
    process.env.AWS_ENDPOINT_URL_SFN = server!.endpoint;
    const fromEnv = new SFNClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const { executionArn } = await fromEnv.send(
        new StartExecutionCommand({ stateMachineArn, input: '{"member":"MBR-1"}' }),
      );
      const { executions } = await fromEnv.send(new ListExecutionsCommand({ stateMachineArn }));
      expect(executions!.map((execution) => execution.executionArn)).toEqual([executionArn]);
    } finally {
      fromEnv.destroy();
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_SFN;
      else process.env.AWS_ENDPOINT_URL_SFN = previous;
    }
  });
});

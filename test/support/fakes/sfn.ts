import type { SFNClient } from '@aws-sdk/client-sfn';

/** Step Functions' client as the API uses it: the executions started, each with its input. */
export class FakeStepFunctions implements Pick<SFNClient, 'send'> {
  readonly started: { stateMachineArn: string; name: string; input: Record<string, unknown> }[] = [];

  // The API sends StartExecution only; its input is what a test asserts on.
  send = (async (command: { input: { stateMachineArn?: string; name?: string; input?: string } }) => {
    const { stateMachineArn = '', name = '', input = '{}' } = command.input;
    this.started.push({ stateMachineArn, name, input: JSON.parse(input) as Record<string, unknown> });
    return { executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}` };
  }) as unknown as SFNClient['send'];
}

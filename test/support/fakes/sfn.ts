import type { ExecutionStatus, SFNClient } from '@aws-sdk/client-sfn';

interface FakeExecution {
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: string;
  status: ExecutionStatus;
}

/** Step Functions' errors as the SDK throws them: by name. */
const sfnError = (name: string, message: string) => Object.assign(new Error(message), { name });

/**
 * Step Functions as mxflow uses it: StartExecution with Step Functions' idempotency (the same name
 * and input while RUNNING answer that execution; any other reuse of a name is ExecutionAlreadyExists)
 * and DescribeExecution (ExecutionDoesNotExist for a name never started).
 */
export class FakeStepFunctions implements Pick<SFNClient, 'send'> {
  /** The executions started, in order, each with its input: what a test asserts on. */
  readonly started: { stateMachineArn: string; name: string; input: Record<string, unknown> }[] = [];
  readonly #executions = new Map<string, FakeExecution>();
  #lostStarts = 0;

  /** The next start never reaches Step Functions and never answers: its caller crashed on the way. */
  loseNextStart(): void {
    this.#lostStarts += 1;
  }

  /** Ends an execution as Step Functions would (a failure, a time-out, an operator's stop, a success). */
  end(executionArn: string, status: Exclude<ExecutionStatus, 'RUNNING'>): void {
    const execution = this.#executions.get(executionArn);
    if (!execution) throw new Error(`no execution ${executionArn}`);
    execution.status = status;
  }

  send = (async (command: { constructor: { name: string }; input: Record<string, string | undefined> }) => {
    if (command.constructor.name === 'DescribeExecutionCommand') return this.#describe(command.input.executionArn);
    if (command.constructor.name === 'StartExecutionCommand') return this.#start(command.input);
    if (command.constructor.name === 'StopExecutionCommand') return this.#stop(command.input.executionArn);
    throw new Error(`the fake Step Functions does not answer ${command.constructor.name}`);
  }) as unknown as SFNClient['send'];

  #start({ stateMachineArn = '', name = '', input = '{}' }: Record<string, string | undefined>) {
    if (this.#lostStarts > 0) {
      this.#lostStarts -= 1;
      return new Promise<never>(() => undefined);
    }
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = this.#executions.get(executionArn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input) return { executionArn };
      throw sfnError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    this.#executions.set(executionArn, { stateMachineArn, name, input, status: 'RUNNING' });
    this.started.push({ stateMachineArn, name, input: JSON.parse(input) as Record<string, unknown> });
    return { executionArn };
  }

  /** The executions stopped, in order: what a cancellation test asserts on. */
  readonly stopped: string[] = [];

  #stop(executionArn = '') {
    const execution = this.#executions.get(executionArn);
    if (!execution) throw sfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    if (execution.status === 'RUNNING') execution.status = 'ABORTED';
    this.stopped.push(executionArn);
    return { stopDate: new Date() };
  }

  #describe(executionArn = '') {
    const execution = this.#executions.get(executionArn);
    if (!execution) throw sfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    const { stateMachineArn, name, input, status } = execution;
    return { executionArn, stateMachineArn, name, input, status };
  }
}

// The polyfill must be evaluated before aws-local-stepfunctions (Node 20 lacks Promise.withResolvers).
import './promise-with-resolvers.js';
import { randomUUID } from 'node:crypto';
import type {
  DescribeExecutionInput,
  DescribeExecutionOutput,
  ExecutionListItem,
  ExecutionStatus,
  GetExecutionHistoryInput,
  GetExecutionHistoryOutput,
  ListExecutionsInput,
  ListExecutionsOutput,
  SendTaskFailureInput,
  SendTaskSuccessInput,
  StartExecutionInput,
  StartExecutionOutput,
  StopExecutionInput,
  StopExecutionOutput,
} from '@aws-sdk/client-sfn';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { type ArnScope, executionArn, parseExecutionArn, stateMachineArn } from './arns.js';
import { StepFunctionsError } from './errors.js';
import { HistoryRecorder, type TerminalEvent } from './history.js';
import { isJsonObject, type JsonObject, type JsonValue, replaceInStrings, toJson, tryParseJson } from './json.js';
import { paginate } from './paginate.js';
import { evaluateReferencePath } from './reference-path.js';
import { rewriteDefinition, type StateInfo } from './rewrite-definition.js';
import { ABORTED, abortableSleep, raceAbort } from './sleep.js';
import { taskFailureFrom, UncatchableFailure } from './task-errors.js';
import type { TaskResource } from './task-resource.js';
import { TaskTokens } from './task-tokens.js';
import { aslProblems } from './validate-asl.js';

/**
 * Runs one Task state locally. Receives (JSON-serialized, as Lambda would):
 * - `lambda:invoke` tasks: `Parameters.Payload`; the return value becomes `Payload` of
 *   `{StatusCode: 200, ExecutedVersion: '$LATEST', Payload}`;
 * - Lambda-ARN tasks: the state's effective input; the return value is the task result;
 * - `…waitForTaskToken` tasks: `Parameters.Payload` (Lambda) or all Parameters (other services),
 *   with `$$.Task.Token` resolved to a fresh token; the return value is ignored and the task
 *   waits for SendTaskSuccess/SendTaskFailure with that token;
 * - other service integrations: the resolved Parameters; the return value is the task result.
 * A thrown error fails the task with Error = `error.name`, Cause = `error.message`.
 */
export type TaskHandler = (payload: unknown) => unknown;

export interface LocalStateMachine {
  name: string;
  /** Parsed ASL (JSONPath query language). */
  definition: object;
}

export interface LocalStepFunctionsOptions {
  stateMachines: LocalStateMachine[];
  /** Keyed by Task state name (names are unique across a machine, nested states included). */
  taskHandlers: Record<string, TaskHandler>;
  /** Multiplier for every duration in the ASL: 1 = real time, 0.001 = 1000× faster. Default 1. */
  timeScale?: number;
  region?: string;
  accountId?: string;
  /**
   * The definitions are known to be valid ASL (a test proves it), so loading skips the check:
   * it costs about a second a machine. Without it, an invalid definition fails the constructor.
   */
  definitionsValidated?: boolean;
  /**
   * Told when an execution ends, with the event EventBridge delivers in AWS ("Step Functions
   * Execution Status Change"), so what a rule on it triggers can run locally too.
   */
  onExecutionEnded?: (event: ExecutionStatusChangeEvent) => Promise<void> | void;
}

export interface ExecutionStatusChangeEvent {
  readonly source: 'aws.states';
  readonly 'detail-type': 'Step Functions Execution Status Change';
  readonly detail: {
    readonly executionArn: string;
    readonly stateMachineArn: string;
    readonly name: string;
    readonly status: string;
    readonly startDate: number;
    readonly stopDate: number | null;
    readonly input: string;
    readonly output: string | null;
    readonly error: string | null;
    readonly cause: string | null;
  };
}

interface LoadedMachine {
  arn: string;
  name: string;
  timeoutSeconds?: number;
  runner: StateMachine;
  states: Map<string, StateInfo>;
  /** By execution name: names are unique per state machine, forever. */
  executions: Map<string, ExecutionRecord>;
}

interface ExecutionRecord {
  arn: string;
  name: string;
  machine: LoadedMachine;
  input: string;
  context: JsonObject;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  /** Aborted when the execution ends for any reason: cancels local waits, handler races and token waits. */
  controller: AbortController;
  abortRun: () => void;
  history: HistoryRecorder;
  /** Resolves once the status is final and the history complete. */
  settled: Promise<void>;
}

type Outcome = Pick<ExecutionRecord, 'status' | 'output' | 'error' | 'cause'>;

/** Names AWS accepts for executions: 1–80 chars, no whitespace, brackets, wildcards, specials or control chars. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses.
const VALID_EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;

/**
 * A local AWS Step Functions: holds state machines and their executions, runs the ASL with
 * aws-local-stepfunctions, and runs each Task with a local handler. Method shapes follow the
 * @aws-sdk/client-sfn commands so server.ts is a thin JSON adapter.
 */
export class LocalStepFunctions {
  readonly region: string;
  readonly accountId: string;
  readonly timeScale: number;
  private readonly machines = new Map<string, LoadedMachine>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly taskHandlers: Record<string, TaskHandler>;
  private readonly onExecutionEnded: LocalStepFunctionsOptions['onExecutionEnded'];
  private readonly tokens = new TaskTokens();
  /** What `$$.Task.Token` resolves to; swapped for a freshly minted token when a task calls its handler. */
  private readonly tokenPlaceholder = `local-step-functions-task-token-${randomUUID()}`;
  private readonly roleArn: string;

  constructor(options: LocalStepFunctionsOptions) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale > 0) || !Number.isFinite(this.timeScale)) {
      throw new Error(`timeScale must be a positive number, got ${this.timeScale}`);
    }
    this.taskHandlers = options.taskHandlers;
    this.onExecutionEnded = options.onExecutionEnded;
    this.roleArn = `arn:aws:iam::${this.accountId}:role/local-step-functions`;
    for (const machine of options.stateMachines) this.load(machine, options.definitionsValidated ?? false);
  }

  stateMachineArn(name: string): string {
    return stateMachineArn(this.scope, name);
  }

  startExecution(request: StartExecutionInput): StartExecutionOutput {
    const machine = this.machine(request.stateMachineArn);
    const name = request.name ?? randomUUID();
    if (!VALID_EXECUTION_NAME.test(name)) throw new StepFunctionsError('InvalidName', `Invalid Name: '${name}'`);
    const inputText = request.input ?? '{}';
    const input = tryParseJson(inputText);
    if (input === undefined)
      throw new StepFunctionsError(
        'InvalidExecutionInput',
        'Invalid State Machine Execution Input: input is not valid JSON',
      );

    const existing = machine.executions.get(name);
    if (existing) {
      // AWS makes StartExecution idempotent for a RUNNING execution started with the same name and input.
      if (existing.status === 'RUNNING' && existing.input === inputText)
        return { executionArn: existing.arn, startDate: existing.startDate };
      throw new StepFunctionsError('ExecutionAlreadyExists', `Execution Already Exists: '${existing.arn}'`);
    }

    const arn = executionArn(this.scope, machine.name, name);
    const startDate = new Date();
    const context: JsonObject = {
      Execution: { Id: arn, Name: name, RoleArn: this.roleArn, StartTime: startDate.toISOString(), Input: input },
      StateMachine: { Id: machine.arn, Name: machine.name },
      Task: { Token: this.tokenPlaceholder },
    };
    const record: ExecutionRecord = {
      arn,
      name,
      machine,
      input: inputText,
      context,
      status: 'RUNNING',
      startDate,
      controller: new AbortController(),
      abortRun: () => undefined,
      history: new HistoryRecorder(machine.states, this.region, this.roleArn),
      settled: Promise.resolve(),
    };
    const run = machine.runner.run(input, {
      overrides: { taskResourceLocalHandlers: this.taskOverrides(record) },
      context: context as RunOptions['context'],
    });
    record.abortRun = run.abort;
    const drained = record.history.consume(run.eventLogs).catch(() => undefined);
    record.settled = run.result
      .then(
        (output) => this.finish(record, { status: 'SUCCEEDED', output: JSON.stringify(output) }),
        (error: unknown) => this.finish(record, this.outcomeOfError(record, error)),
      )
      .then(() => drained)
      .then(() => record.history.appendTerminal(terminalEvent(record), record.stopDate ?? new Date()))
      .then(() => this.announceEnd(record));
    machine.executions.set(name, record);
    this.executions.set(arn, record);
    return { executionArn: arn, startDate };
  }

  stopExecution(request: StopExecutionInput): StopExecutionOutput {
    const record = this.execution(request.executionArn);
    if (record.status === 'RUNNING') {
      record.status = 'ABORTED';
      record.error = request.error;
      record.cause = request.cause;
      record.stopDate = new Date();
      // Library first, so that when the task overrides settle it sees the abort and stops transitioning.
      record.abortRun();
      this.release(record);
    }
    return { stopDate: record.stopDate ?? new Date() };
  }

  describeExecution(request: DescribeExecutionInput): DescribeExecutionOutput {
    const record = this.execution(request.executionArn);
    return {
      executionArn: record.arn,
      stateMachineArn: record.machine.arn,
      name: record.name,
      status: record.status,
      startDate: record.startDate,
      stopDate: record.stopDate,
      input: record.input,
      inputDetails: { included: true },
      output: record.output,
      ...(record.output !== undefined && { outputDetails: { included: true } }),
      error: record.error,
      cause: record.cause,
    };
  }

  listExecutions(request: ListExecutionsInput): ListExecutionsOutput {
    const machine = this.machine(request.stateMachineArn);
    const items: ExecutionListItem[] = [...machine.executions.values()]
      .filter((record) => !request.statusFilter || record.status === request.statusFilter)
      .reverse() // newest first, as AWS lists them
      .map((record) => ({
        executionArn: record.arn,
        stateMachineArn: machine.arn,
        name: record.name,
        status: record.status,
        startDate: record.startDate,
        stopDate: record.stopDate,
      }));
    const { page, nextToken } = paginate(items, request.maxResults, request.nextToken);
    return { executions: page, nextToken };
  }

  /** Waits for a finished execution's history to be complete before answering. */
  async getExecutionHistory(request: GetExecutionHistoryInput): Promise<GetExecutionHistoryOutput> {
    const record = this.execution(request.executionArn);
    if (record.status !== 'RUNNING') await record.settled;
    const events = [...record.history.events];
    if (request.reverseOrder) events.reverse();
    const { page, nextToken } = paginate(events, request.maxResults, request.nextToken);
    return { events: page, nextToken };
  }

  sendTaskSuccess(request: SendTaskSuccessInput): Record<string, never> {
    this.tokens.succeed(required(request.taskToken, 'taskToken'), required(request.output, 'output'));
    return {};
  }

  sendTaskFailure(request: SendTaskFailureInput): Record<string, never> {
    this.tokens.fail(required(request.taskToken, 'taskToken'), request.error, request.cause);
    return {};
  }

  /** Test helper: resolves with the final description once the execution has ended (history complete). */
  async waitForExecution(arn: string, timeoutMs = 30_000): Promise<DescribeExecutionOutput> {
    const record = this.execution(arn);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    try {
      if ((await Promise.race([record.settled, timedOut])) === 'timeout') {
        throw new Error(`Execution ${arn} is still ${record.status} after ${timeoutMs} ms`);
      }
    } finally {
      clearTimeout(timer);
    }
    return this.describeExecution({ executionArn: arn });
  }

  /** Aborts every running execution and waits for them to wind down. */
  async shutdown(): Promise<void> {
    const records = [...this.executions.values()];
    for (const record of records) {
      if (record.status === 'RUNNING') {
        this.stopExecution({
          executionArn: record.arn,
          error: 'LocalStepFunctions.Shutdown',
          cause: 'The local Step Functions was shut down',
        });
      }
    }
    await Promise.all(records.map((record) => record.settled));
  }

  private get scope(): ArnScope {
    return { region: this.region, accountId: this.accountId };
  }

  private load(machine: LocalStateMachine, validated: boolean): void {
    const problems = validated ? '' : aslProblems(machine.definition);
    if (problems) throw new Error(`State machine '${machine.name}' has an invalid definition:\n${problems}`);
    const arn = stateMachineArn(this.scope, machine.name);
    if (this.machines.has(arn)) throw new Error(`Duplicate state machine name '${machine.name}'`);
    const { definition, states } = rewriteDefinition(machine.definition, this.timeScale);
    const original = machine.definition as { TimeoutSeconds?: unknown };
    this.machines.set(arn, {
      arn,
      name: machine.name,
      ...(typeof original.TimeoutSeconds === 'number' && { timeoutSeconds: original.TimeoutSeconds }),
      // Validated above on the original; the rewritten one holds fractional seconds and local-only Tasks.
      runner: new StateMachine(definition as unknown as StateMachineDefinition, {
        validationOptions: { noValidate: true },
      }),
      states,
      executions: new Map(),
    });
  }

  private machine(arn: string | undefined): LoadedMachine {
    if (!arn?.startsWith('arn:')) throw new StepFunctionsError('InvalidArn', `Invalid Arn: '${arn}'`);
    const machine = this.machines.get(arn);
    if (!machine) throw new StepFunctionsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  private execution(arn: string | undefined): ExecutionRecord {
    if (!arn || !parseExecutionArn(arn)) throw new StepFunctionsError('InvalidArn', `Invalid Arn: '${arn}'`);
    const record = this.executions.get(arn);
    if (!record) throw new StepFunctionsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return record;
  }

  private async announceEnd(record: ExecutionRecord): Promise<void> {
    if (!this.onExecutionEnded) return;
    try {
      await this.onExecutionEnded({
        source: 'aws.states',
        'detail-type': 'Step Functions Execution Status Change',
        detail: {
          executionArn: record.arn,
          stateMachineArn: record.machine.arn,
          name: record.name,
          status: record.status,
          startDate: record.startDate.getTime(),
          stopDate: record.stopDate?.getTime() ?? null,
          input: record.input,
          output: record.output ?? null,
          error: record.error ?? null,
          cause: record.cause ?? null,
        },
      });
    } catch (error) {
      // A rule target failing does not change how the execution ended.
      console.error(
        `local Step Functions: the execution-ended listener failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private finish(record: ExecutionRecord, outcome: Outcome): void {
    if (record.status !== 'RUNNING') return; // already stopped by stopExecution
    Object.assign(record, outcome, { stopDate: new Date() });
    this.release(record);
  }

  /** Ends everything an execution may still hold: local waits, handler races, task tokens. */
  private release(record: ExecutionRecord): void {
    record.controller.abort();
    this.tokens.closeAllFor(record.arn);
  }

  private outcomeOfError(record: ExecutionRecord, error: unknown): Outcome {
    if (error instanceof ExecutionTimeoutError) {
      const limit = record.machine.timeoutSeconds;
      return {
        status: 'TIMED_OUT',
        error: 'States.Timeout',
        cause: `The execution exceeded its TimeoutSeconds of ${limit} s (time scale ${this.timeScale})`,
      };
    }
    if (error instanceof ExecutionAbortedError) return { status: 'ABORTED' };
    const failure = error instanceof ExecutionError ? error.cause : error;
    if (failure instanceof Error) return { status: 'FAILED', error: failure.name, cause: failure.message };
    return { status: 'FAILED', error: 'States.Runtime', cause: String(failure) };
  }

  /** One library override per Task state (and rewritten Wait), bound to this execution. */
  private taskOverrides(record: ExecutionRecord): Record<string, (input: JsonValue) => Promise<JsonValue>> {
    const overrides: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
    for (const [stateName, info] of record.machine.states) {
      const task = info.task;
      if (task) overrides[stateName] = (input) => this.runTask(record, stateName, info, task, input);
    }
    return overrides;
  }

  /** Returns null (ignored by the aborted run) once the execution has ended. */
  private async runTask(
    record: ExecutionRecord,
    stateName: string,
    info: StateInfo,
    task: TaskResource,
    input: JsonValue,
  ): Promise<JsonValue> {
    const { signal } = record.controller;
    if (signal.aborted) return null;
    if (task.kind === 'local-wait') return this.runLocalWait(record, info, input);
    const handler = this.taskHandlers[stateName];
    if (!handler) {
      throw new UncatchableFailure(
        'LocalStepFunctions.MissingTaskHandler',
        `No local task handler for Task state '${stateName}' (Resource ${task.arn}): add taskHandlers['${stateName}']`,
      );
    }
    if (task.kind === 'wait-for-token') return this.runTokenTask(record, stateName, info, task, handler, input);

    const attempt = record.history.beginTaskAttempt(stateName, input);
    const result = await this.invoke(handler, task.unwrapsPayload ? payloadOf(input) : input, signal);
    if (result === ABORTED) return null;
    const output = task.kind === 'lambda-invoke' ? lambdaInvokeResponse(result) : result;
    attempt.output = JSON.stringify(output);
    return output;
  }

  private async runTokenTask(
    record: ExecutionRecord,
    stateName: string,
    info: StateInfo,
    task: TaskResource,
    handler: TaskHandler,
    resolvedParameters: JsonValue,
  ): Promise<JsonValue> {
    const { signal } = record.controller;
    // Minted synchronously on entry, so its timeout mirror starts before the library's own timer.
    const token = this.tokens.mint(record.arn, stateName, info.timeoutMs);
    const parameters = replaceInStrings(resolvedParameters, this.tokenPlaceholder, token);
    const attempt = record.history.beginTaskAttempt(stateName, parameters);
    try {
      const invoked = await this.invoke(handler, task.unwrapsPayload ? payloadOf(parameters) : parameters, signal);
      if (invoked === ABORTED) return null;
      attempt.submitted = JSON.stringify(task.unwrapsPayload ? lambdaInvokeResponse(invoked) : invoked);
    } catch (error) {
      this.tokens.discard(token);
      throw error;
    }
    const output = await raceAbort(this.tokens.wait(token), signal);
    if (output === ABORTED) return null;
    attempt.output = JSON.stringify(output);
    return output;
  }

  /**
   * Runs a Wait state that was rewritten into a Task (SecondsPath, Timestamp, TimestampPath):
   * sleeps the scaled duration and passes its input through, as a Wait does.
   */
  private async runLocalWait(record: ExecutionRecord, info: StateInfo, input: JsonValue): Promise<JsonValue> {
    const wait = info.wait ?? {};
    let seconds: number;
    if (wait.secondsPath !== undefined) {
      const value = evaluateReferencePath(wait.secondsPath, input, record.context);
      if (typeof value !== 'number' || !(value >= 0)) {
        throw new UncatchableFailure(
          'States.Runtime',
          `SecondsPath '${wait.secondsPath}' must select a non-negative number, got ${JSON.stringify(value)}`,
        );
      }
      seconds = value;
    } else {
      const timestamp = wait.timestamp ?? evaluateReferencePath(wait.timestampPath ?? '$', input, record.context);
      const at = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
      if (Number.isNaN(at))
        throw new UncatchableFailure(
          'States.Runtime',
          `Wait timestamp ${JSON.stringify(timestamp)} is not an RFC 3339 timestamp`,
        );
      seconds = Math.max(0, (at - Date.now()) / 1000);
    }
    await abortableSleep(seconds * 1000 * this.timeScale, record.controller.signal);
    return input;
  }

  /** Calls a handler as Lambda would: JSON in, JSON out, thrown errors → errorType/errorMessage. */
  private async invoke(
    handler: TaskHandler,
    payload: JsonValue,
    signal: AbortSignal,
  ): Promise<JsonValue | typeof ABORTED> {
    try {
      const result = await raceAbort(
        Promise.resolve().then(() => handler(toJson(payload))),
        signal,
      );
      return result === ABORTED ? ABORTED : toJson(result);
    } catch (thrown) {
      throw taskFailureFrom(thrown);
    }
  }
}

function payloadOf(parameters: JsonValue): JsonValue {
  return isJsonObject(parameters) ? (parameters.Payload ?? null) : null;
}

function lambdaInvokeResponse(payload: JsonValue): JsonObject {
  return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: payload };
}

function terminalEvent(record: ExecutionRecord): TerminalEvent {
  switch (record.status) {
    case 'SUCCEEDED':
      return { type: 'ExecutionSucceeded', output: record.output ?? 'null' };
    case 'ABORTED':
      return { type: 'ExecutionAborted', error: record.error, cause: record.cause };
    case 'TIMED_OUT':
      return { type: 'ExecutionTimedOut', error: record.error, cause: record.cause };
    default:
      return { type: 'ExecutionFailed', error: record.error, cause: record.cause };
  }
}

function required(value: string | undefined, field: string): string {
  if (value === undefined) throw new StepFunctionsError('ValidationException', `Missing required field '${field}'`);
  return value;
}

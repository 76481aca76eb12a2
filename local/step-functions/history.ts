import type { HistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';
import type { StateMachine } from 'aws-local-stepfunctions';
import type { StateInfo } from './rewrite-definition.js';
import type { TaskResource } from './task-resource.js';

/** The library's event log entry type (not exported by name). */
export type LibraryEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** What a task override observed during one attempt, for the Task and LambdaFunction events. */
export interface TaskAttempt {
  scheduledAt: Date;
  parameters: string;
  /** Invocation result of a `.waitForTaskToken` handler (TaskSubmitted). */
  submitted?: string;
  /** Raw task result (TaskSucceeded / LambdaFunctionSucceeded), before ResultSelector/ResultPath. */
  output?: string;
}

/** Details of an execution's final event, which the engine appends once the run has settled. */
export type TerminalEvent =
  | { type: 'ExecutionSucceeded'; output: string }
  | { type: 'ExecutionFailed' | 'ExecutionAborted' | 'ExecutionTimedOut'; error?: string; cause?: string };

const notTruncated = { truncated: false };

/**
 * Builds AWS-shaped execution history from aws-local-stepfunctions' event log. The library knows
 * state entries/exits/failures; task overrides add per-attempt detail through `beginTaskAttempt`
 * (matched per state name in FIFO order, which is exact except for concurrent Map iterations).
 */
export class HistoryRecorder {
  readonly events: HistoryEvent[] = [];
  private readonly attempts = new Map<string, TaskAttempt[]>();

  constructor(
    private readonly states: ReadonlyMap<string, StateInfo>,
    private readonly region: string,
    private readonly roleArn: string,
  ) {}

  beginTaskAttempt(stateName: string, parameters: unknown): TaskAttempt {
    const attempt: TaskAttempt = { scheduledAt: new Date(), parameters: JSON.stringify(parameters ?? null) };
    const queue = this.attempts.get(stateName) ?? [];
    queue.push(attempt);
    this.attempts.set(stateName, queue);
    return attempt;
  }

  /** Drains the library's event log until the run closes it. */
  async consume(log: AsyncIterable<LibraryEvent>): Promise<void> {
    for await (const event of log) this.record(event);
  }

  appendTerminal(terminal: TerminalEvent, at: Date): void {
    if (terminal.type === 'ExecutionSucceeded') {
      this.push('ExecutionSucceeded', at, {
        executionSucceededEventDetails: { output: terminal.output, outputDetails: notTruncated },
      });
      return;
    }
    const details = { error: terminal.error, cause: terminal.cause };
    const key = {
      ExecutionFailed: 'executionFailedEventDetails',
      ExecutionAborted: 'executionAbortedEventDetails',
      ExecutionTimedOut: 'executionTimedOutEventDetails',
    } as const;
    this.push(terminal.type, at, { [key[terminal.type]]: details });
  }

  private record(event: LibraryEvent): void {
    const at = new Date(event.timestamp);
    switch (event.type) {
      case 'ExecutionStarted':
        this.push('ExecutionStarted', at, {
          executionStartedEventDetails: {
            input: JSON.stringify(event.input),
            inputDetails: notTruncated,
            roleArn: this.roleArn,
          },
        });
        return;
      case 'StateEntered':
        this.push(`${this.typeOf(event.state.name, event.state.type)}StateEntered`, at, {
          stateEnteredEventDetails: {
            name: event.state.name,
            input: JSON.stringify(event.state.input),
            inputDetails: notTruncated,
          },
        });
        return;
      case 'StateExited': {
        const task = this.states.get(event.state.name)?.task;
        if (task) this.recordTaskOutcome(event.state.name, task, at, undefined);
        this.push(`${this.typeOf(event.state.name, event.state.type)}StateExited`, at, {
          stateExitedEventDetails: {
            name: event.state.name,
            output: JSON.stringify(event.state.output ?? null),
            outputDetails: notTruncated,
          },
        });
        return;
      }
      case 'StateFailed': {
        const task = this.states.get(event.state.name)?.task;
        const failure = { error: event.Error, cause: causeText(event.Cause) };
        if (task) this.recordTaskOutcome(event.state.name, task, at, failure);
        else if (event.state.type === 'Map') this.push('MapStateFailed', at, {});
        else if (event.state.type === 'Parallel') this.push('ParallelStateFailed', at, {});
        return;
      }
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const key = `mapIteration${event.type.slice('MapIteration'.length)}EventDetails`;
        this.push(event.type, at, { [key]: { name: event.parentState.name, index: event.index } });
        return;
      }
      default:
        // Retries/catches have no event of their own in AWS (a retry shows as a new TaskScheduled);
        // Parallel branch events have none either. Terminal events come from appendTerminal.
        return;
    }
  }

  /** Emits the Task and LambdaFunction events of the attempt that just ended (not for rewritten Waits). */
  private recordTaskOutcome(
    stateName: string,
    task: TaskResource,
    at: Date,
    failure: { error: string; cause: string } | undefined,
  ): void {
    if (task.kind === 'local-wait') return;
    const attempt = this.attempts.get(stateName)?.shift();
    if (!attempt) return; // Failed before the resource was called (e.g. a bad Parameters path): AWS shows no task events.
    const timedOut = failure?.error === 'States.Timeout';
    if (task.kind === 'lambda-function') {
      this.push('LambdaFunctionScheduled', attempt.scheduledAt, {
        lambdaFunctionScheduledEventDetails: {
          resource: task.arn,
          input: attempt.parameters,
          inputDetails: notTruncated,
        },
      });
      this.push('LambdaFunctionStarted', attempt.scheduledAt, {});
      if (!failure) {
        this.push('LambdaFunctionSucceeded', at, {
          lambdaFunctionSucceededEventDetails: { output: attempt.output, outputDetails: notTruncated },
        });
      } else if (timedOut) {
        this.push('LambdaFunctionTimedOut', at, { lambdaFunctionTimedOutEventDetails: failure });
      } else {
        this.push('LambdaFunctionFailed', at, { lambdaFunctionFailedEventDetails: failure });
      }
      return;
    }
    const resource = { resourceType: task.resourceType, resource: task.resource };
    this.push('TaskScheduled', attempt.scheduledAt, {
      taskScheduledEventDetails: { ...resource, region: this.region, parameters: attempt.parameters },
    });
    this.push('TaskStarted', attempt.scheduledAt, { taskStartedEventDetails: resource });
    if (attempt.submitted !== undefined) {
      this.push('TaskSubmitted', attempt.scheduledAt, {
        taskSubmittedEventDetails: { ...resource, output: attempt.submitted, outputDetails: notTruncated },
      });
    }
    if (!failure) {
      this.push('TaskSucceeded', at, {
        taskSucceededEventDetails: { ...resource, output: attempt.output, outputDetails: notTruncated },
      });
    } else if (timedOut) {
      this.push('TaskTimedOut', at, { taskTimedOutEventDetails: { ...resource, ...failure } });
    } else {
      this.push('TaskFailed', at, { taskFailedEventDetails: { ...resource, ...failure } });
    }
  }

  /** The state's original Type (a rewritten Wait is reported as a Wait, not as the Task that runs it). */
  private typeOf(stateName: string, libraryType: string): string {
    return this.states.get(stateName)?.type ?? libraryType;
  }

  private push(type: string, timestamp: Date, details: Partial<HistoryEvent>): void {
    const id = this.events.length + 1;
    this.events.push({ ...details, id, previousEventId: id - 1, timestamp, type: type as HistoryEventType });
  }
}

function causeText(cause: unknown): string {
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return JSON.stringify(cause) ?? '';
}

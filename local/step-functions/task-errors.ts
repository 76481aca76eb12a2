/**
 * Errors thrown from task overrides into aws-local-stepfunctions. The library matches Retry/Catch
 * on `error.name`, reports `error.message` as the Cause, and honours optional `isRetryable` /
 * `isCatchable` flags, so plain Errors with those fields are all it needs.
 */
export class TaskFailure extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

/** A failure that, like AWS's States.Runtime, no Retry or Catch may intercept: it fails the execution. */
export class UncatchableFailure extends Error {
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

/** Turns whatever a task handler threw into Lambda's `errorType` / `errorMessage` pair. */
export function taskFailureFrom(thrown: unknown): TaskFailure {
  if (thrown instanceof Error) return new TaskFailure(thrown.name || 'Error', thrown.message);
  return new TaskFailure('Error', typeof thrown === 'string' ? thrown : (JSON.stringify(thrown) ?? String(thrown)));
}

import type { JobRef } from '#shared/store/job-record.js';
import type { FailureReason } from './failure-reasons.js';
import type { Progress } from './progress.js';
import type { FinishedJob } from './record-success.js';
import type { WorkflowDeps } from './workflow-deps.js';
import { reasonForCaughtError } from './workflow-errors.js';

/** The execution state as the failure step receives it: what was decided, or what was caught. */
export interface FailedState {
  readonly progress?: Progress | undefined;
  /** Where the state machine's Catch puts the error it caught. */
  readonly error?: { readonly Error?: string | undefined; readonly Cause?: string | undefined } | undefined;
}

export interface RecordFailureInput {
  readonly job: JobRef;
  readonly state: FailedState;
}

/**
 * Ends a job that will not succeed. The reason is the one a step decided, or else the one the
 * caught error stands for; a job that ran out of polls ends TIMED_OUT, any other FAILED.
 */
export async function recordFailure(
  deps: Pick<WorkflowDeps, 'jobs' | 'now'>,
  { job, state }: RecordFailureInput,
): Promise<FinishedJob> {
  const decided = state.progress?.next === 'FAIL' && !state.error ? state.progress.reason : null;
  const reason: FailureReason = decided ?? reasonForCaughtError(state.error?.Error);
  const status = reason === 'TIMED_OUT' ? 'TIMED_OUT' : 'FAILED';
  await deps.jobs.finishJob(job.memberGuid, job.jobGuid, {
    status,
    reason,
    ...(state.progress ? { connectionStatus: state.progress.connectionStatus } : {}),
    now: deps.now(),
  });
  return { status, reason };
}

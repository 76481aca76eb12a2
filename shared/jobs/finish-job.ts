import type { JobRef } from '../store/job-record.js';
import type { FailureReason } from './failure-reasons.js';
import type { ResultCounts } from './fetch-results.js';
import type { Progress } from './progress.js';
import { reasonForCaughtError } from './workflow-errors.js';
import type { WorkflowDeps } from './workflow-deps.js';

/** The execution state as the failure step receives it: what was decided, or what was caught. */
export interface FailedState {
  readonly progress?: Progress;
  /** Where the state machine's Catch puts the error it caught. */
  readonly error?: { readonly Error?: string; readonly Cause?: string };
}

export interface FinishedJob {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  readonly reason: FailureReason | null;
}

export async function recordSuccess(
  deps: Pick<WorkflowDeps, 'jobs' | 'now'>,
  { job, counts }: { job: JobRef; counts: ResultCounts },
): Promise<FinishedJob> {
  await deps.jobs.finishJob(job.memberGuid, job.jobGuid, { status: 'SUCCEEDED', counts, connectionStatus: 'CONNECTED', now: deps.now() });
  return { status: 'SUCCEEDED', reason: null };
}

/**
 * Ends a job that will not succeed. The reason is the one a step decided, or else the one the
 * caught error stands for; a job that ran out of polls ends TIMED_OUT, any other FAILED.
 */
export async function recordFailure(deps: Pick<WorkflowDeps, 'jobs' | 'now'>, { job, state }: { job: JobRef; state: FailedState }): Promise<FinishedJob> {
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

import { JOB_WARNINGS, type JobCounts, type JobRef, type JobWarning, type JobWarningCode } from '#shared/store/job-record.js';
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

const warning = (code: JobWarningCode): JobWarning => ({ code, message: JOB_WARNINGS[code] });

/**
 * Ends a job whose MX job ended CONNECTED. A verification that brought no account numbers
 * did not verify anything: it ends FAILED NO_ACCOUNT_NUMBERS. Numbers MX could not validate,
 * and an aggregation MX throttled, succeed with a warning saying so.
 */
export async function recordSuccess(
  deps: Pick<WorkflowDeps, 'jobs' | 'now'>,
  { job, counts }: { job: JobRef; counts: ResultCounts },
): Promise<FinishedJob> {
  const { account_numbers_not_validated: notValidated, ...stored } = counts;
  if (job.jobType === 'verify' && !stored.account_numbers) {
    const reason = 'NO_ACCOUNT_NUMBERS';
    await deps.jobs.finishJob(job.memberGuid, job.jobGuid, { status: 'FAILED', reason, counts: stored as JobCounts, connectionStatus: 'CONNECTED', now: deps.now() });
    return { status: 'FAILED', reason };
  }
  const warnings = [
    ...(notValidated ? [warning('ACCOUNT_NUMBERS_NOT_VALIDATED')] : []),
    ...(stored.refreshed === false ? [warning('DATA_NOT_REFRESHED')] : []),
  ];
  await deps.jobs.finishJob(job.memberGuid, job.jobGuid, { status: 'SUCCEEDED', counts: stored as JobCounts, warnings, connectionStatus: 'CONNECTED', now: deps.now() });
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

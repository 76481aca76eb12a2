import type { TerminalJobStatus } from '#shared/contract/workflow.js';
import {
  JOB_WARNINGS,
  type JobCounts,
  type JobRef,
  type JobWarning,
  type JobWarningCode,
} from '#shared/store/job-record.js';
import { RESULT_KINDS, type ResultKind } from '#shared/store/keys.js';
import type { SupersededGeneration } from '#shared/store/result-store.js';
import type { FailureReason } from './failure-reasons.js';
import type { ResultCounts } from './fetch-results.js';
import type { Progress } from './progress.js';
import type { WorkflowDeps } from './workflow-deps.js';

/** How a job ended, as RecordSuccess and RecordFailure hand it back (and count it). */
export interface FinishedJob {
  readonly status: TerminalJobStatus;
  readonly reason: FailureReason | null;
}

/**
 * The superseded results a publish left to delete (`$.finish.cleanup`): DeleteSupersededResults
 * runs while `resultsLeft` holds, each time handing back what is still left.
 */
export interface ResultsCleanup {
  readonly resultsLeft: boolean;
  readonly superseded: readonly SupersededGeneration[];
}

export const cleanupOf = (superseded: readonly SupersededGeneration[]): ResultsCleanup => ({
  resultsLeft: superseded.length > 0,
  superseded,
});

/** RecordSuccess's answer: how the job ended, and what of the results it replaced is left to delete. */
export interface RecordedSuccess extends FinishedJob {
  readonly cleanup: ResultsCleanup;
}

export interface RecordSuccessInput {
  readonly job: JobRef;
  readonly counts: ResultCounts;
  /** The progress FetchResults handed on; its poll count goes to the metrics. */
  readonly progress?: Progress | undefined;
}

const warning = (code: JobWarningCode): JobWarning => ({ code, message: JOB_WARNINGS[code] });

/** The kinds the job copied: those it counted (an aggregation without transactions counts none). */
const copiedKinds = (counts: ResultCounts): ResultKind[] =>
  (Object.keys(RESULT_KINDS) as ResultKind[]).filter((kind) => typeof counts[kind] === 'number');

/**
 * Ends a job whose MX job ended CONNECTED, publishing what it copied first: its rows become the
 * member's results only now (a retry publishes again, harmlessly). A verification that brought no account numbers
 * did not verify anything: it ends FAILED NO_ACCOUNT_NUMBERS. Numbers MX could not validate,
 * and an aggregation MX throttled, succeed with a warning saying so.
 */
export async function recordSuccess(
  deps: Pick<WorkflowDeps, 'jobs' | 'results' | 'now'>,
  { job, counts }: RecordSuccessInput,
): Promise<RecordedSuccess> {
  const { account_numbers_not_validated: notValidated, ...stored } = counts;
  const connectionStatus = 'CONNECTED';
  if (job.jobType === 'verify' && !stored.account_numbers) {
    const reason = 'NO_ACCOUNT_NUMBERS';
    const finish = {
      status: 'FAILED',
      reason,
      counts: stored as JobCounts,
      connectionStatus,
      now: deps.now(),
    } as const;
    await deps.jobs.finishJob(job.memberGuid, job.jobGuid, finish);
    return { status: 'FAILED', reason, cleanup: cleanupOf([]) };
  }
  const warnings = [
    ...(notValidated ? [warning('ACCOUNT_NUMBERS_NOT_VALIDATED')] : []),
    ...(stored.refreshed === false ? [warning('DATA_NOT_REFRESHED')] : []),
  ];
  const left = await deps.results.publishResults(job.memberGuid, job.jobGuid, copiedKinds(stored));
  const finish = {
    status: 'SUCCEEDED',
    counts: stored as JobCounts,
    warnings,
    connectionStatus,
    now: deps.now(),
  } as const;
  await deps.jobs.finishJob(job.memberGuid, job.jobGuid, finish);
  return { status: 'SUCCEEDED', reason: null, cleanup: cleanupOf(left) };
}

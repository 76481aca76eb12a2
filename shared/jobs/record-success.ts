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
import type { Progress, TransactionSync } from './progress.js';
import { DEFAULT_REFRESH_AFTER_SECONDS } from './refresh-members.js';
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
  deps: Pick<WorkflowDeps, 'jobs' | 'results' | 'sync' | 'refreshAfterSeconds' | 'now'>,
  { job, counts, progress }: RecordSuccessInput,
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
  const left = await publishCopy(deps, job, copiedKinds(stored), progress?.sync);
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

/**
 * Publishes what the job copied. A sync wrote its transactions into the published generation:
 * that stays, its pointer taking in the partitions of accounts new to it, and the sync is
 * committed (its changes join the feed, the next one starts from its day). A full copy is
 * committed after its publish: later aggregations sync from it.
 */
async function publishCopy(
  deps: Pick<WorkflowDeps, 'results' | 'sync' | 'refreshAfterSeconds' | 'now'>,
  job: JobRef,
  kinds: readonly ResultKind[],
  sync: TransactionSync | undefined,
): Promise<SupersededGeneration[]> {
  const { memberGuid, jobGuid } = job;
  const synced = sync?.mode === 'changes';
  const left = await deps.results.publishResults(
    memberGuid,
    jobGuid,
    kinds.filter((kind) => !(synced && kind === 'transactions')),
  );
  if (sync?.mode === 'changes') {
    left.push(...(await deps.results.publishResults(memberGuid, sync.generation, ['transactions'])));
  }
  if (sync && deps.sync) {
    const member = {
      userGuid: job.userGuid,
      isOauth: job.isOauth ?? false,
      refreshAfterSeconds: deps.refreshAfterSeconds ?? DEFAULT_REFRESH_AFTER_SECONDS,
    };
    const commit = { syncedOn: sync.startedOn, fullCopy: sync.mode === 'full', now: deps.now(), member };
    await deps.sync.commit(memberGuid, jobGuid, commit);
  }
  return left;
}

import { DescribeExecutionCommand, type DescribeExecutionOutput, type SFNClient } from '@aws-sdk/client-sfn';
import type { JobType, TerminalJobStatus } from '#shared/contract/workflow.js';
import type { JobRecord } from '#shared/store/job-record.js';
import type { JobStore } from '#shared/store/job-store.js';
import { endJobOfStoppedExecution } from './end-stopped-job.js';
import type { FailureReason } from './failure-reasons.js';
import type { WorkflowJobStore } from './workflow-deps.js';

/**
 * How long a job may go without a change before the reconciler asks Step Functions about it.
 * Far past the gap between a job's record and its StartExecution (one API request, 29 s at
 * most) and past the API's idempotency lease (60 s), so the caller's retry, which starts the
 * same execution, comes first; and past the seconds an execution's end event takes to arrive.
 */
export const RECONCILE_AFTER_SECONDS = 10 * 60;

/** Jobs looked at in one pass: each costs a read and a DescribeExecution, well inside its minute. */
export const RECONCILE_BATCH_LIMIT = 100;

/**
 * The job store as the reconciler uses it: the active jobs from the sparse index, then each
 * re-read and ended as its lost end event would have (endJobOfStoppedExecution's store).
 */
export type ReconcilerJobStore = WorkflowJobStore & Pick<JobStore, 'listActiveJobs' | 'findActiveJob'>;

export interface ReconcileJobsDeps {
  readonly jobs: ReconcilerJobStore;
  readonly sfn: Pick<SFNClient, 'send'>;
  readonly stateMachineArns: Readonly<Record<JobType, string>>;
}

export interface ReconcileJobsRequest {
  readonly now: Date;
  readonly olderThanSeconds?: number;
  readonly limit?: number;
}

/** A job the reconciler ended, as the metrics and the logs count it. */
export interface ReconciledJob {
  readonly jobGuid: string;
  readonly memberGuid: string;
  readonly jobType: JobType;
  readonly executionStatus: string;
  readonly status: Exclude<TerminalJobStatus, 'SUCCEEDED'>;
  readonly reason: FailureReason;
}

export interface ReconcileJobsOutcome {
  /** Jobs still active and unchanged for long enough that Step Functions was asked about them. */
  readonly checked: number;
  readonly ended: number;
  readonly byReason: Partial<Record<FailureReason, number>>;
  readonly endedJobs: readonly ReconciledJob[];
  /** Jobs this pass could not settle (Step Functions or DynamoDB failed); the next pass tries again. */
  readonly failures: readonly { readonly jobGuid: string; readonly memberGuid: string; readonly error: string }[];
}

/**
 * An execution is named after its job, so its ARN follows from the job alone: the job is found
 * from the execution's name, never from an input that might not parse.
 */
export const executionArnOf = (stateMachineArn: string, jobGuid: string): string =>
  `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${jobGuid}`;

/**
 * One pass of the job reconciler (a schedule runs it every few minutes): ends each active job,
 * unchanged for `olderThanSeconds`, whose execution ended without ending it (its end event lost),
 * never started (a crash between the job record and StartExecution) or is gone. A job whose
 * execution still runs is left alone. Bounded by `limit`; a job two passes both find is ended
 * once (the store's finish applies only to an active job).
 */
export async function reconcileJobs(
  deps: ReconcileJobsDeps,
  request: ReconcileJobsRequest,
): Promise<ReconcileJobsOutcome> {
  const olderThanMs = (request.olderThanSeconds ?? RECONCILE_AFTER_SECONDS) * 1000;
  const cutoff = new Date(request.now.getTime() - olderThanMs);
  const listed = await deps.jobs.listActiveJobs({
    startedBefore: cutoff,
    limit: request.limit ?? RECONCILE_BATCH_LIMIT,
  });
  let checked = 0;
  const endedJobs: ReconciledJob[] = [];
  const failures: { jobGuid: string; memberGuid: string; error: string }[] = [];
  for (const candidate of listed) {
    try {
      // The index lags: the job itself says whether it is still active and quiet.
      const job = await deps.jobs.getJob(candidate.member_guid, candidate.job_guid);
      if (!job || !isStale(job, cutoff)) continue;
      checked += 1;
      const ended = await reconcileJob(deps, job, request.now);
      if (ended) endedJobs.push(ended);
    } catch (error) {
      failures.push({
        jobGuid: candidate.job_guid,
        memberGuid: candidate.member_guid,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
    }
  }
  const byReason: Partial<Record<FailureReason, number>> = {};
  for (const { reason } of endedJobs) byReason[reason] = (byReason[reason] ?? 0) + 1;
  return { checked, ended: endedJobs.length, byReason, endedJobs, failures };
}

const ACTIVE_STATUSES: readonly string[] = ['RUNNING', 'CHALLENGED', 'ACTION_REQUIRED'];
const isStale = (job: JobRecord, cutoff: Date) =>
  ACTIVE_STATUSES.includes(job.status) && Date.parse(job.updated_at) < cutoff.getTime();

async function reconcileJob(deps: ReconcileJobsDeps, job: JobRecord, now: Date): Promise<ReconciledJob | undefined> {
  const execution = await describeExecution(deps, job);
  const status = execution?.status ?? 'NOT_STARTED';
  if (status === 'RUNNING' || status === 'PENDING_REDRIVE') return undefined;
  const ref = { jobGuid: job.job_guid, memberGuid: job.member_guid, jobType: job.type, executionStatus: status };
  if (status === 'SUCCEEDED' || status === 'NOT_STARTED') {
    // Only the reconciler can tell: no execution ever ran the job, or one ended without recording it.
    const reason: FailureReason = status === 'SUCCEEDED' ? 'EXECUTION_OUTCOME_LOST' : 'EXECUTION_NOT_STARTED';
    const ended = await deps.jobs.finishJob(job.member_guid, job.job_guid, { status: 'FAILED', reason, now });
    return ended ? { ...ref, status: 'FAILED', reason } : undefined;
  }
  // A stopped execution ends its job exactly as its (lost) end event would have.
  const stopped = { status, input: JSON.stringify({ jobGuid: job.job_guid, memberGuid: job.member_guid }) };
  const outcome = await endJobOfStoppedExecution({ jobs: deps.jobs, now: () => now }, stopped);
  return outcome.result === 'ENDED' ? { ...ref, status: outcome.status, reason: outcome.reason } : undefined;
}

/** The job's execution, or undefined when Step Functions has none by its name. */
async function describeExecution(
  deps: ReconcileJobsDeps,
  job: JobRecord,
): Promise<DescribeExecutionOutput | undefined> {
  const executionArn = executionArnOf(deps.stateMachineArns[job.type], job.job_guid);
  try {
    return await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
  } catch (error) {
    if (error instanceof Error && error.name === 'ExecutionDoesNotExist') return undefined;
    throw error;
  }
}

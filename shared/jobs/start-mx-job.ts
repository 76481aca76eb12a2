import type { JobRef } from '../store/job-record.js';
import { nextWaitSeconds } from './poll-schedule.js';
import { failedProgress, initialProgress, type Progress } from './progress.js';
import { reasonForMxError } from './workflow-errors.js';
import type { WorkflowDeps } from './workflow-deps.js';

export interface StartMxJobInput {
  readonly job: JobRef;
  /** Only watch the aggregation MX starts by itself when a member is created. */
  readonly observeOnly: boolean;
  readonly includeTransactions: boolean;
}

/**
 * Starts the MX job, or attaches to the one of the same type already running (MX's 202).
 * The member's last job guid is read first, since for aggregation and identification a 202
 * alone does not say whether MX started a new job.
 */
export async function startMxJob(deps: Pick<WorkflowDeps, 'mx' | 'jobs' | 'schedule' | 'now'>, { job, observeOnly, includeTransactions }: StartMxJobInput): Promise<Progress> {
  const progress = initialProgress(nextWaitSeconds(0, deps.schedule));
  if (observeOnly) return progress;
  try {
    const before = await deps.mx.readMember(job.userGuid, job.memberGuid);
    const started = await deps.mx.startJob(job.jobType, job.userGuid, job.memberGuid, {
      previousJobGuid: before.is_being_aggregated ? before.most_recent_job_guid : null,
      callbackPayload: job.jobGuid,
      includeTransactions,
    });
    await deps.jobs.recordMxJob(job.memberGuid, job.jobGuid, started.jobGuid, started.alreadyRunning, deps.now());
    return progress;
  } catch (error) {
    return failedProgress(progress, reasonForMxError(error, job.jobType));
  }
}

import type { MemberResponse } from 'mx-platform-node';
import { isMxError, type MxJobStart } from '#shared/mx/index.js';
import type { JobRef } from '#shared/store/job-record.js';
import { startability } from './classify-connection.js';
import { nextWaitSeconds } from './poll-schedule.js';
import { failedProgress, initialProgress, type Progress, waitAfterMxTrouble } from './progress.js';
import type { WorkflowDeps } from './workflow-deps.js';
import { rateLimitOf, reasonForMxError } from './workflow-errors.js';

export interface StartMxJobInput {
  readonly job: JobRef;
  /** Only watch the aggregation MX starts by itself when a member is created. */
  readonly observeOnly: boolean;
  readonly includeTransactions: boolean;
  /** The execution state; holds a progress when this start runs again after MX answered 429. */
  readonly state?: { readonly progress?: Progress | undefined };
}

/**
 * Starts the MX job, or attaches to the one of the same type already running (MX's 202).
 * The member is read first: from a status MX starts no job from, the job ends here with the
 * matching reason instead of calling MX; and for aggregation and identification a 202 alone
 * does not say whether MX started a new job, which its last job guid tells.
 */
export async function startMxJob(
  deps: Pick<WorkflowDeps, 'mx' | 'jobs' | 'schedule' | 'now' | 'random'>,
  { job, observeOnly, includeTransactions, state }: StartMxJobInput,
): Promise<Progress> {
  const progress = initialProgress(nextWaitSeconds(0, deps.schedule));
  if (observeOnly) return progress;
  try {
    const before = await deps.mx.readMember(job.userGuid, job.memberGuid);
    const refused = refusal(before, job);
    if (refused) return failedProgress(progress, refused, before.connection_status ?? null);
    let started: MxJobStart;
    try {
      started = await deps.mx.startJob(job.jobType, job.userGuid, job.memberGuid, {
        previousJobGuid: before.is_being_aggregated ? before.most_recent_job_guid : null,
        callbackPayload: job.jobGuid,
        includeTransactions,
      });
    } catch (error) {
      // MX refuses a start from a status it starts nothing from (422): it changed since the read.
      if (!isMxError(error) || error.code !== 'MX_UNPROCESSABLE') throw error;
      const now = await deps.mx.readMember(job.userGuid, job.memberGuid);
      return failedProgress(progress, refusal(now, job) ?? 'MX_REQUEST_REJECTED', now.connection_status ?? null);
    }
    // An aggregation MX throttles answers 202 without a run; its end compares this timestamp.
    const aggregatedBefore = job.jobType === 'aggregate' ? (before.successfully_aggregated_at ?? null) : undefined;
    await deps.jobs.recordMxJob(
      job.memberGuid,
      job.jobGuid,
      started.jobGuid,
      started.alreadyRunning,
      deps.now(),
      aggregatedBefore,
    );
    return progress;
  } catch (error) {
    // A 429: wait as long as MX asked (RETRY_START), then start again; nothing was started.
    const limited = rateLimitOf(error);
    if (limited)
      return waitAfterMxTrouble(
        state?.progress ?? progress,
        'RETRY_START',
        limited.retryAfterSeconds,
        deps.random ?? Math.random,
      );
    return failedProgress(progress, reasonForMxError(error, job.jobType));
  }
}

/** The reason the job cannot start on this member, or null when MX will start (or attach to) it. */
function refusal(member: MemberResponse, job: JobRef) {
  // A job running at MX may be this job's own (a start retried after MX took it, now perhaps
  // CHALLENGED): MX's answer tells, 202 attaching to the same type, 409 for another type.
  if (member.is_being_aggregated === true) return null;
  const start = startability(member, job.jobType, { isOauth: job.isOauth ?? member.is_oauth ?? false });
  return start.startable ? null : start.reason;
}

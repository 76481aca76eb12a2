import type { JobRef } from '../store/job-record.js';
import { classifyConnection } from './classify-connection.js';
import { nextWaitSeconds } from './poll-schedule.js';
import { failedProgress, type Progress } from './progress.js';
import { reasonForMxError } from './workflow-errors.js';
import type { WorkflowDeps } from './workflow-deps.js';

export interface PollMemberStatusInput {
  readonly job: JobRef;
  readonly progress: Progress;
}

/** Reads the member's status once, records what changed and decides the next step. */
export async function pollMemberStatus(
  deps: Pick<WorkflowDeps, 'mx' | 'jobs' | 'schedule' | 'now'>,
  { job, progress }: PollMemberStatusInput,
): Promise<Progress> {
  const pollCount = progress.pollCount + 1;
  if (pollCount > deps.schedule.maxPolls) return failedProgress(progress, 'TIMED_OUT');

  let status;
  try {
    status = await deps.mx.readMemberStatus(job.userGuid, job.memberGuid);
  } catch (error) {
    return failedProgress({ ...progress, pollCount }, reasonForMxError(error, job.jobType));
  }
  const now = deps.now();
  const connectionStatus = status.connection_status ?? null;
  const step = classifyConnection(status, job.jobType);
  const wasPending = progress.next === 'AWAIT_OAUTH';
  const polled: Progress = {
    ...progress,
    next: step.next,
    reason: step.next === 'FAIL' ? step.reason : null,
    connectionStatus,
    pollCount,
    waitSeconds: nextWaitSeconds(pollCount, deps.schedule),
    pendingSeconds: step.next === 'AWAIT_OAUTH' && wasPending ? progress.pendingSeconds + progress.waitSeconds : 0,
  };

  if (step.next === 'WAIT') {
    await deps.jobs.recordProgress(job.memberGuid, job.jobGuid, { status: 'RUNNING', connectionStatus, now });
  } else if (step.next === 'AWAIT_OAUTH') {
    if (polled.pendingSeconds > deps.schedule.oauthTimeoutSeconds) return failedProgress(polled, 'OAUTH_ABANDONED');
    // The window to send the end user to is on the member, not on its status.
    let oauthWindowUri: string | null | undefined;
    try {
      oauthWindowUri = wasPending ? undefined : await readOAuthWindow(deps, job);
    } catch (error) {
      return failedProgress(polled, reasonForMxError(error, job.jobType));
    }
    await deps.jobs.recordProgress(job.memberGuid, job.jobGuid, {
      status: 'ACTION_REQUIRED',
      connectionStatus,
      ...(oauthWindowUri === undefined ? {} : { oauthWindowUri }),
      now,
    });
  }
  return polled;
}

async function readOAuthWindow(deps: Pick<WorkflowDeps, 'mx'>, job: JobRef): Promise<string | null> {
  const member = await deps.mx.readMember(job.userGuid, job.memberGuid);
  return member.oauth_window_uri ?? null;
}

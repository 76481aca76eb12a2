import type { MemberStatusResponse } from 'mx-platform-node';
import { isMxError } from '#shared/mx/index.js';
import type { JobRef } from '#shared/store/job-record.js';
import { classifyConnection } from './classify-connection.js';
import { nextWaitSeconds } from './poll-schedule.js';
import { failedProgress, type Progress, waitAfterMxTrouble } from './progress.js';
import type { WorkflowDeps } from './workflow-deps.js';
import { rateLimitOf, reasonForMxError } from './workflow-errors.js';

export interface PollMemberStatusInput {
  readonly job: JobRef;
  readonly progress: Progress;
}

/** Reads the member's status once, records what changed and decides the next step. */
export async function pollMemberStatus(
  deps: Pick<WorkflowDeps, 'mx' | 'jobs' | 'schedule' | 'now' | 'random'>,
  { job, progress }: PollMemberStatusInput,
): Promise<Progress> {
  const pollCount = progress.pollCount + 1;
  if (pollCount > deps.schedule.maxPolls) return failedProgress(progress, 'TIMED_OUT');

  // Before the read: a webhook noted from here on may tell what this read cannot have seen.
  const polledAt = deps.now().getTime();
  let status: MemberStatusResponse;
  try {
    status = await deps.mx.readMemberStatus(job.userGuid, job.memberGuid);
  } catch (error) {
    if (isTrouble(error)) return waitToReadAgain(deps, progress, error);
    return failedProgress({ ...progress, pollCount }, reasonForMxError(error, job.jobType));
  }
  const now = deps.now();
  const connectionStatus = status.connection_status ?? null;
  const step = classifyConnection(status, job.jobType, { isOauth: job.isOauth ?? false });
  // No end user to answer or to open the window: the job ends, the member's status says why.
  if (job.unattended && (step.next === 'AWAIT_CHALLENGE_ANSWER' || step.next === 'AWAIT_OAUTH')) {
    const reason = step.next === 'AWAIT_OAUTH' ? 'OAUTH_PENDING' : 'MEMBER_CHALLENGED';
    return failedProgress({ ...progress, pollCount, connectionStatus: status.connection_status ?? null }, reason);
  }
  const wasPending = progress.next === 'AWAIT_OAUTH';
  const polled: Progress = {
    ...progress,
    next: step.next,
    reason: step.next === 'FAIL' ? step.reason : null,
    connectionStatus,
    pollCount,
    polledAt,
    waitSeconds: nextWaitSeconds(pollCount, deps.schedule),
    pendingSeconds: step.next === 'AWAIT_OAUTH' && wasPending ? progress.pendingSeconds + progress.waitSeconds : 0,
    retryWaits: 0,
  };

  if (step.next === 'WAIT') {
    // After a WAIT the record already says RUNNING with the status that read found: a read that
    // changed nothing writes nothing (a refused conditional write is a billed write all the same).
    const unchanged = progress.next === 'WAIT' && progress.connectionStatus === connectionStatus;
    if (!unchanged) {
      await deps.jobs.recordProgress(job.memberGuid, job.jobGuid, { status: 'RUNNING', connectionStatus, now });
    }
  } else if (step.next === 'AWAIT_CHALLENGE_ANSWER') {
    // The status read carries the round's challenges: kept for the park, which asks MX nothing.
    // None yet (MX is still issuing them): read again after the wait.
    const challenges = status.challenges ?? [];
    if (challenges.length === 0) return { ...polled, next: 'WAIT' };
    await deps.jobs.stageChallenges(job.memberGuid, job.jobGuid, { challenges, now });
  } else if (step.next === 'AWAIT_OAUTH') {
    if (polled.pendingSeconds > deps.schedule.oauthTimeoutSeconds) {
      // The deadline: unless the end user was given a fresh window since it started counting.
      const renewed = (await deps.jobs.getJob(job.memberGuid, job.jobGuid))?.oauth_windows_renewed ?? 0;
      if (renewed <= (progress.oauthWindowsRenewed ?? 0)) return failedProgress(polled, 'OAUTH_ABANDONED');
      return { ...polled, pendingSeconds: 0, oauthWindowsRenewed: renewed };
    }
    // The window to send the end user to is on the member, not on its status.
    let oauthWindowUri: string | null | undefined;
    try {
      oauthWindowUri = wasPending ? undefined : await readOAuthWindow(deps, job);
    } catch (error) {
      // Read the status (and so the window) again after the wait, as a first PENDING read.
      if (isTrouble(error))
        return waitAfterMxTrouble(
          { ...polled, retryWaits: progress.retryWaits },
          'WAIT',
          rateLimitOf(error)?.retryAfterSeconds,
          deps.random ?? Math.random,
        );
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

/** MX answered 429, failed or timed out: the read may succeed later. */
const isTrouble = (error: unknown) => isMxError(error) && error.retryable;

/**
 * A status read MX refused for now is not a poll: wait at least its Retry-After (never under
 * 3 s) with jitter above that floor, which a state machine Retry cannot give (its FULL jitter
 * draws from zero), then read again. An OAuth wait keeps counting toward its deadline.
 */
function waitToReadAgain(deps: Pick<WorkflowDeps, 'random'>, progress: Progress, error: unknown): Progress {
  const pending = progress.next === 'AWAIT_OAUTH';
  const waited: Progress = pending
    ? { ...progress, pendingSeconds: progress.pendingSeconds + progress.waitSeconds }
    : progress;
  return waitAfterMxTrouble(
    waited,
    pending ? 'AWAIT_OAUTH' : 'WAIT',
    rateLimitOf(error)?.retryAfterSeconds,
    deps.random ?? Math.random,
  );
}

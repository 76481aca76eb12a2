import { DEFAULT_JOB_TIME_BUDGET } from '#shared/contract/time-budget.js';
import type { JobRef } from '#shared/store/job-record.js';
import type { WorkflowDeps } from './workflow-deps.js';

export interface ParkForChallengeInput {
  readonly job: JobRef;
  readonly taskToken: string;
}

export type ParkOutcome = 'PARKED' | 'JOB_ENDED';

/**
 * Stores the task token on the job beside the challenges its status read staged, leaving the
 * execution parked (no polling, no cost) until an answer resumes it or its wait times out.
 * MX is not asked again: its status read carries the challenges (seed 003), and the execution
 * state, which holds references only, does not. The job keeps when the wait ends, so an answer
 * arriving later is refused before it reaches MX.
 */
export async function parkForChallenge(
  deps: Pick<WorkflowDeps, 'jobs' | 'taskTokens' | 'now' | 'challengeTimeoutSeconds'>,
  { job, taskToken }: ParkForChallengeInput,
): Promise<ParkOutcome> {
  const now = deps.now();
  const waitSeconds = deps.challengeTimeoutSeconds ?? DEFAULT_JOB_TIME_BUDGET.challengeTimeoutSeconds;
  const expiresAt = new Date(now.getTime() + waitSeconds * 1000);
  const parked = await deps.jobs.parkForChallenge(job.memberGuid, job.jobGuid, { taskToken, expiresAt, now });
  if (!parked) {
    await deps.taskTokens.fail(taskToken, 'JobNotActive', 'the job ended while its challenges were being parked');
    return 'JOB_ENDED';
  }
  return 'PARKED';
}

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
 * state, which holds references only, does not.
 */
export async function parkForChallenge(
  deps: Pick<WorkflowDeps, 'jobs' | 'taskTokens' | 'now'>,
  { job, taskToken }: ParkForChallengeInput,
): Promise<ParkOutcome> {
  const parked = await deps.jobs.parkForChallenge(job.memberGuid, job.jobGuid, { taskToken, now: deps.now() });
  if (!parked) {
    await deps.taskTokens.fail(taskToken, 'JobNotActive', 'the job ended while its challenges were being parked');
    return 'JOB_ENDED';
  }
  return 'PARKED';
}

import type { JobRef } from '../store/job-record.js';
import { asWorkflowError } from './workflow-errors.js';
import type { WorkflowDeps } from './workflow-deps.js';

export interface ParkForChallengeInput {
  readonly job: JobRef;
  readonly taskToken: string;
}

export type ParkOutcome = 'PARKED' | 'NOTHING_TO_ANSWER' | 'JOB_ENDED';

/**
 * Stores the member's challenges and the task token on the job, leaving the execution parked
 * (no polling, no cost) until an answer resumes it or its wait times out. The challenges are
 * read here rather than carried in the execution state, which holds references only.
 */
export async function parkForChallenge(
  deps: Pick<WorkflowDeps, 'mx' | 'jobs' | 'taskTokens' | 'now'>,
  { job, taskToken }: ParkForChallengeInput,
): Promise<ParkOutcome> {
  let challenges;
  try {
    challenges = await deps.mx.listMemberChallenges(job.userGuid, job.memberGuid);
  } catch (error) {
    // Failing the invocation fails the task: retried when transient, else the job fails.
    throw asWorkflowError(error);
  }
  // MX moved on between the status read and now (answered elsewhere, or expired): poll again.
  if (challenges.length === 0) {
    await deps.taskTokens.succeed(taskToken);
    return 'NOTHING_TO_ANSWER';
  }
  const parked = await deps.jobs.parkForChallenge(job.memberGuid, job.jobGuid, { challenges, taskToken, now: deps.now() });
  if (!parked) {
    await deps.taskTokens.fail(taskToken, 'JobNotActive', 'the job ended while a challenge was being stored');
    return 'JOB_ENDED';
  }
  return 'PARKED';
}

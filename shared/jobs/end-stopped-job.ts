import { z } from 'zod';
import type { JobStore } from '#shared/store/job-store.js';
import type { FailureReason } from './failure-reasons.js';

/** Execution ends that the state machine itself cannot record: a limit, a crash, an operator. */
export const STOPPED_EXECUTION_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

const ExecutionInput = z.object({ jobGuid: z.string().min(1), memberGuid: z.string().min(1) });

const OUTCOME: Record<(typeof STOPPED_EXECUTION_STATUSES)[number], { status: 'FAILED' | 'TIMED_OUT'; reason: FailureReason }> = {
  TIMED_OUT: { status: 'TIMED_OUT', reason: 'TIMED_OUT' },
  ABORTED: { status: 'FAILED', reason: 'EXECUTION_ABORTED' },
  FAILED: { status: 'FAILED', reason: 'INTERNAL_ERROR' },
};

export type StoppedJobOutcome =
  | { readonly result: 'ENDED'; readonly jobType: string; readonly status: 'FAILED' | 'TIMED_OUT'; readonly reason: FailureReason }
  | { readonly result: 'ALREADY_ENDED' | 'NOT_A_JOB' };

/**
 * Ends the job of an execution that stopped without ending it, so its record never stays
 * RUNNING. A job the workflow already ended is left exactly as it is.
 */
export async function endJobOfStoppedExecution(
  deps: { jobs: JobStore; now: () => Date },
  execution: { status: string; input: string },
): Promise<StoppedJobOutcome> {
  const outcome = OUTCOME[execution.status as keyof typeof OUTCOME];
  let input: z.output<typeof ExecutionInput>;
  try {
    input = ExecutionInput.parse(JSON.parse(execution.input));
  } catch {
    return { result: 'NOT_A_JOB' };
  }
  const job = await deps.jobs.getJob(input.memberGuid, input.jobGuid);
  if (!job) return { result: 'NOT_A_JOB' };
  if (!outcome) return { result: 'ALREADY_ENDED' };
  const ended = await deps.jobs.finishJob(input.memberGuid, input.jobGuid, { ...outcome, now: deps.now() });
  return ended ? { result: 'ENDED', jobType: job.type, ...outcome } : { result: 'ALREADY_ENDED' };
}

import { z } from 'zod';
import type { ExecutionInput, StoppedExecutionStatus, TerminalJobStatus } from '#shared/contract/workflow.js';
import type { FailureReason } from './failure-reasons.js';
import type { WorkflowDeps } from './workflow-deps.js';

/** The part of the execution input that finds the job; anything else started the execution. */
const JobOfExecution = z.object({ jobGuid: z.string().min(1), memberGuid: z.string().min(1) }) satisfies z.ZodType<
  Pick<ExecutionInput, 'jobGuid' | 'memberGuid'>
>;

type StoppedJobStatus = Exclude<TerminalJobStatus, 'SUCCEEDED'>;

const OUTCOME: Record<StoppedExecutionStatus, { status: StoppedJobStatus; reason: FailureReason }> = {
  TIMED_OUT: { status: 'TIMED_OUT', reason: 'TIMED_OUT' },
  ABORTED: { status: 'FAILED', reason: 'EXECUTION_ABORTED' },
  FAILED: { status: 'FAILED', reason: 'INTERNAL_ERROR' },
};

export type StoppedJobOutcome =
  | {
      readonly result: 'ENDED';
      readonly jobType: string;
      readonly status: StoppedJobStatus;
      readonly reason: FailureReason;
    }
  | { readonly result: 'ALREADY_ENDED' | 'NOT_A_JOB' };

/**
 * Ends the job of an execution that stopped without ending it, so its record never stays
 * RUNNING. A job the workflow already ended is left exactly as it is.
 */
export async function endJobOfStoppedExecution(
  deps: Pick<WorkflowDeps, 'jobs' | 'now'>,
  execution: { status: string; input: string },
): Promise<StoppedJobOutcome> {
  const outcome = OUTCOME[execution.status as keyof typeof OUTCOME];
  let input: z.output<typeof JobOfExecution>;
  try {
    input = JobOfExecution.parse(JSON.parse(execution.input));
  } catch {
    return { result: 'NOT_A_JOB' };
  }
  const job = await deps.jobs.getJob(input.memberGuid, input.jobGuid);
  if (!job) return { result: 'NOT_A_JOB' };
  if (!outcome) return { result: 'ALREADY_ENDED' };
  const ended = await deps.jobs.finishJob(input.memberGuid, input.jobGuid, { ...outcome, now: deps.now() });
  return ended ? { result: 'ENDED', jobType: job.type, ...outcome } : { result: 'ALREADY_ENDED' };
}

import type { ExecutionInput, StoppedExecutionStatus, TerminalJobStatus } from '#shared/contract/workflow.js';
import * as z from '#shared/runtime/zod.js';
import type { JobStore } from '#shared/store/job-store.js';
import type { FailureReason } from './failure-reasons.js';

/** The part of the execution input that finds the job; anything else started the execution. */
const JobOfExecution = z.object({
  jobGuid: z.string().check(z.minLength(1)),
  memberGuid: z.string().check(z.minLength(1)),
}) satisfies z.ZodMiniType<Pick<ExecutionInput, 'jobGuid' | 'memberGuid'>>;

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

export interface StoppedJobDeps {
  readonly jobs: Pick<JobStore, 'getJob' | 'finishJob' | 'findActiveJob'>;
  now(): Date;
}

/** The job's references from the execution's input, or undefined when it does not hold them. */
function refsOfInput(input: string): z.output<typeof JobOfExecution> | undefined {
  try {
    return JobOfExecution.parse(JSON.parse(input));
  } catch {
    return undefined;
  }
}

/**
 * Ends the job of an execution that stopped without ending it, so its record never stays
 * RUNNING. The job is found from the execution's input, or else from its name (the job guid,
 * the ARN's last part), since an event may come without its input. A job the workflow already
 * ended is left exactly as it is.
 */
export async function endJobOfStoppedExecution(
  deps: StoppedJobDeps,
  execution: { status: string; input: string; executionArn?: string },
): Promise<StoppedJobOutcome> {
  const outcome = OUTCOME[execution.status as keyof typeof OUTCOME];
  const fromInput = refsOfInput(execution.input);
  const job = fromInput
    ? await deps.jobs.getJob(fromInput.memberGuid, fromInput.jobGuid)
    : execution.executionArn
      ? await deps.jobs.findActiveJob(String(execution.executionArn.split(':').at(-1)))
      : undefined;
  if (!job) return { result: 'NOT_A_JOB' };
  if (!outcome) return { result: 'ALREADY_ENDED' };
  const ended = await deps.jobs.finishJob(job.member_guid, job.job_guid, { ...outcome, now: deps.now() });
  return ended ? { result: 'ENDED', jobType: job.type, ...outcome } : { result: 'ALREADY_ENDED' };
}

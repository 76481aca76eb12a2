import { type SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { JobType } from '#shared/contract/workflow.js';
import type { JobRecord } from '#shared/store/job-record.js';
import type { JobStore } from '#shared/store/job-store.js';
import { executionArnOf } from './reconcile-jobs.js';

/** Why a job is cancelled: its caller asked, or its member (or user) is being deleted. */
export type CancelReason = 'CANCELLED' | 'MEMBER_DELETED';

export interface CancelJobDeps {
  readonly jobs: Pick<JobStore, 'finishJob'>;
  readonly sfn: Pick<SFNClient, 'send'>;
  readonly stateMachineArns: Readonly<Record<JobType, string>>;
  now(): Date;
}

/**
 * Cancels a running, challenged or waiting job: the record ends CANCELLED first (which frees the
 * member, and makes every later step of the execution a no-op, since each is conditional on the
 * job being active), then the execution is stopped. Answers false when the job had already ended.
 */
export async function cancelJob(
  deps: CancelJobDeps,
  job: Pick<JobRecord, 'job_guid' | 'member_guid' | 'type'>,
  reason: CancelReason,
): Promise<boolean> {
  const cancelled = await deps.jobs.finishJob(job.member_guid, job.job_guid, {
    status: 'CANCELLED',
    reason,
    now: deps.now(),
  });
  if (!cancelled) return false;
  const executionArn = executionArnOf(deps.stateMachineArns[job.type], job.job_guid);
  try {
    await deps.sfn.send(
      new StopExecutionCommand({ executionArn, error: 'mxflow.JobCancelled', cause: `job ${reason.toLowerCase()}` }),
    );
  } catch (error) {
    // Never started (a crash between the record and the start), or ended meanwhile: nothing runs.
    if (!(error instanceof Error && error.name === 'ExecutionDoesNotExist')) throw error;
  }
  return true;
}

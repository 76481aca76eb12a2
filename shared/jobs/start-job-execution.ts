import { randomBytes } from 'node:crypto';
import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { ExecutionInput, JobType } from '#shared/contract/workflow.js';
import type { JobRecord, MemberLock } from '#shared/store/job-record.js';
import { type JobStore, MemberBusyError } from '#shared/store/job-store.js';

export interface StartJobExecutionDeps {
  readonly jobs: Pick<JobStore, 'createJob' | 'finishJob'>;
  readonly sfn: Pick<SFNClient, 'send'>;
  readonly stateMachineArns: Readonly<Record<JobType, string>>;
  /** How long a member stays locked if its job dies without releasing it: past the execution timeout. */
  readonly lockSeconds: number;
  readonly now: () => Date;
}

export interface StartJobExecutionRequest {
  readonly type: JobType;
  readonly userGuid: string;
  readonly memberGuid: string;
  /** Follow the aggregation MX started by itself (member creation) instead of starting one. */
  readonly observeOnly?: boolean;
  /** Aggregation only: whether to fetch transactions too (the default). */
  readonly includeTransactions?: boolean;
  /** From the member record: lets the workflow read an OAuth member's DENIED as refused consent. */
  readonly isOauth?: boolean;
}

export type StartJobExecutionOutcome =
  | { readonly started: true; readonly job: JobRecord; readonly executionArn: string }
  | { readonly started: false; readonly running: MemberLock };

/** Job guids sort by creation time, so a member's jobs list newest first straight from the table. */
export function newJobGuid(now: Date): string {
  return `JOB-${now.getTime().toString(16).padStart(12, '0')}-${randomBytes(8).toString('hex')}`;
}

/**
 * Records a job, takes the member's lock and starts the job's state machine execution, named
 * after the job. A member already running a job gets no second execution: the caller is told
 * which job runs. (The API's job start checks the member first; the simulator starts MX jobs.)
 */
export async function startJobExecution(
  deps: StartJobExecutionDeps,
  request: StartJobExecutionRequest,
): Promise<StartJobExecutionOutcome> {
  const now = deps.now();
  const jobGuid = newJobGuid(now);
  let job: JobRecord;
  try {
    const { type, userGuid, memberGuid } = request;
    job = await deps.jobs.createJob({ jobGuid, type, userGuid, memberGuid, now, lockSeconds: deps.lockSeconds });
  } catch (error) {
    if (error instanceof MemberBusyError) return { started: false, running: error.running };
    throw error;
  }
  // References only: the console shows everything an execution holds.
  const input: ExecutionInput = {
    jobGuid,
    userGuid: request.userGuid,
    memberGuid: request.memberGuid,
    observeOnly: request.observeOnly ?? false,
    includeTransactions: request.includeTransactions ?? true,
    isOauth: request.isOauth ?? false,
  };
  try {
    const { executionArn } = await deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: deps.stateMachineArns[request.type],
        name: jobGuid,
        input: JSON.stringify(input),
      }),
    );
    return { started: true, job, executionArn: String(executionArn) };
  } catch (error) {
    // No execution will ever finish this job: end it now rather than leave it RUNNING.
    await deps.jobs.finishJob(request.memberGuid, jobGuid, {
      status: 'FAILED',
      reason: 'INTERNAL_ERROR',
      now: deps.now(),
    });
    throw error;
  }
}

import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { ExecutionInput, JobType } from '#shared/contract/workflow.js';
import { type JobRecord, type MemberLock, newJobGuid } from '#shared/store/job-record.js';
import { type JobStore, MemberBusyError } from '#shared/store/job-store.js';
import { RECONCILE_AFTER_SECONDS } from './reconcile-jobs.js';

export interface StartJobExecutionDeps {
  readonly jobs: Pick<JobStore, 'createJob' | 'getJob' | 'finishJob'>;
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
  /** No end user is there (a scheduled refresh): a challenge or an OAuth window ends the job. */
  readonly unattended?: boolean;
}

export type StartJobExecutionOutcome =
  | { readonly started: true; readonly job: JobRecord; readonly executionArn: string }
  | {
      readonly started: false;
      readonly running: MemberLock;
      /** The running job's execution, when this start (a repeat of the one that recorded it) ran it. */
      readonly executionArn?: string;
    };

/**
 * A start repeated this soon after the job's record may be the retry of one that crashed before
 * StartExecution; later, the reconciler ends such a job, so a repeat no longer starts it.
 */
const REPEAT_STARTS_EXECUTION_SECONDS = RECONCILE_AFTER_SECONDS / 2;

/**
 * Records a job, takes the member's lock and starts the job's state machine execution, named
 * after the job. A member already running a job gets no second execution: the caller is told
 * which job runs. (The API's job start checks the member first; the simulator starts MX jobs.)
 *
 * Crash-safe: a start that died between the record and StartExecution leaves a job with no
 * execution. Its repeat (the API's retry) finds that job holding the member and starts its
 * execution by the same name and the same input, which Step Functions answers with the execution
 * already running when there is one, so a start repeated any number of times runs one execution.
 * Without a repeat, the reconciler ends the job (EXECUTION_NOT_STARTED).
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
    if (!(error instanceof MemberBusyError)) throw error;
    const executionArn = await startExecutionOfRunningJob(deps, request, error.running);
    return executionArn
      ? { started: false, running: error.running, executionArn }
      : { started: false, running: error.running };
  }
  try {
    const executionArn = await startExecution(deps, job, request);
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

/**
 * Starts the execution of the job holding the member when this start may repeat the one that
 * recorded it: the same type, for the same user, recorded moments ago. Answers the execution,
 * or undefined when the job already has one started otherwise (Step Functions refuses the name).
 */
async function startExecutionOfRunningJob(
  deps: StartJobExecutionDeps,
  request: StartJobExecutionRequest,
  running: MemberLock,
): Promise<string | undefined> {
  if (running.job_type !== request.type) return undefined;
  const job = await deps.jobs.getJob(request.memberGuid, running.job_guid);
  if (job?.status !== 'RUNNING' || job.user_guid !== request.userGuid) return undefined;
  const ageSeconds = (deps.now().getTime() - Date.parse(job.created_at)) / 1000;
  if (ageSeconds > REPEAT_STARTS_EXECUTION_SECONDS) return undefined;
  try {
    return await startExecution(deps, job, request);
  } catch (error) {
    // Another input (a start with other options) or an execution that has ended: not ours to start.
    if (error instanceof Error && error.name === 'ExecutionAlreadyExists') return undefined;
    throw error;
  }
}

/** The execution is named after its job and its input is fixed by the request: a repeat is the same start. */
async function startExecution(
  deps: StartJobExecutionDeps,
  job: JobRecord,
  request: StartJobExecutionRequest,
): Promise<string> {
  // References only: the console shows everything an execution holds.
  const input: ExecutionInput = {
    jobGuid: job.job_guid,
    userGuid: job.user_guid,
    memberGuid: job.member_guid,
    observeOnly: request.observeOnly ?? false,
    includeTransactions: request.includeTransactions ?? true,
    isOauth: request.isOauth ?? false,
    unattended: request.unattended ?? false,
  };
  const { executionArn } = await deps.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: deps.stateMachineArns[job.type],
      name: job.job_guid,
      input: JSON.stringify(input),
    }),
  );
  return String(executionArn);
}

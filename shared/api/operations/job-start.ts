import { ApiError, userDisabled } from '#shared/api/api-error.js';
import type { ApiResponse } from '#shared/api/operation.js';
import { jobView } from '#shared/api/views.js';
import type { JobType } from '#shared/contract/workflow.js';
import { startability } from '#shared/jobs/classify-connection.js';
import { startJobExecution } from '#shared/jobs/start-job-execution.js';
import type { ApiDeps } from '#shared/runtime/api-runtime.js';
import { MemberBeingDeletedError } from '#shared/store/job-store.js';

export const jobLocation = (userGuid: string, memberGuid: string, jobGuid: string) =>
  `/users/${userGuid}/members/${memberGuid}/jobs/${jobGuid}`;

/** A job start's answer: 202 with the job, and where to read it. */
export interface StartedJobResponse extends ApiResponse {
  readonly body: { readonly job: ReturnType<typeof jobView> };
  readonly headers: { readonly Location: string };
}

export interface MemberJobRequest {
  readonly type: JobType;
  readonly userGuid: string;
  readonly memberGuid: string;
  readonly observe: boolean;
  readonly includeTransactions?: boolean;
  /** From the member record; MX's own answer wins when the start reads the member there. */
  readonly isOauth?: boolean;
}

/**
 * Starts a job on a member, or answers the one already running: the same type is that job
 * (202, as MX answers), another type is a conflict (409). One execution per member at a time.
 * A start (not an observation) first asks MX whether it will start it: from a status MX starts
 * nothing from, the answer is a 409 naming the status and what to do instead.
 */
export async function startMemberJob(deps: ApiDeps, request: MemberJobRequest): Promise<StartedJobResponse> {
  const isOauth = request.observe
    ? (request.isOauth ?? (await deps.members.getMember(request.userGuid, request.memberGuid))?.is_oauth)
    : await assertStartable(deps, request);
  const { jobs, sfn, stateMachineArns, lockSeconds, now } = deps;
  const outcome = await startJobExecution(
    { jobs, sfn, stateMachineArns, lockSeconds, now },
    {
      type: request.type,
      userGuid: request.userGuid,
      memberGuid: request.memberGuid,
      observeOnly: request.observe,
      isOauth: isOauth ?? false,
      ...(request.includeTransactions === undefined ? {} : { includeTransactions: request.includeTransactions }),
    },
  ).catch((error: unknown) => {
    throw error instanceof MemberBeingDeletedError ? new ApiError('MEMBER_BEING_DELETED', error.deletionGuid) : error;
  });
  // A deletion holds the member's lock while it purges.
  if (!outcome.started && outcome.running.job_type === 'deletion') {
    throw new ApiError('MEMBER_BEING_DELETED', outcome.running.job_guid);
  }
  const job = outcome.started ? outcome.job : await deps.jobs.getJob(request.memberGuid, outcome.running.job_guid);
  if (!job) throw new ApiError('JOB_RUNNING', { advice: 'try again in a moment' });
  if (!outcome.started && job.type !== request.type) {
    throw new ApiError('JOB_RUNNING', {
      running: { type: job.type, guid: job.job_guid },
      advice: 'start this one when it ends',
    });
  }
  return {
    status: 202,
    body: { job: jobView(job) },
    headers: { Location: jobLocation(job.user_guid, job.member_guid, job.job_guid) },
  };
}

/**
 * Refuses (409) a start MX would not run, and answers whether the member is an OAuth member.
 * A member mxflow already runs a job on is left to the start, which answers that job or
 * refuses another type; its status at MX is that job's business.
 */
async function assertStartable(deps: ApiDeps, request: MemberJobRequest): Promise<boolean | undefined> {
  const lockHeld = async () => (await deps.jobs.liveLock(request.memberGuid, deps.now())) !== undefined;
  if (await lockHeld()) return request.isOauth;
  const mx = await deps.mx();
  // Read side by side: MX refuses a disabled user's jobs with a bare 403.
  const [member, user] = await Promise.all([
    mx.readMember(request.userGuid, request.memberGuid),
    mx.readUser(request.userGuid),
  ]);
  if (user.is_disabled) throw userDisabled();
  const isOauth = member.is_oauth ?? request.isOauth;
  const start = startability(member, request.type, { isOauth: isOauth ?? false });
  // A concurrent start may have taken the member meanwhile, and MX now shows its job running:
  // that is the job to answer (or to refuse another type for), not a refusal of the member.
  if (!start.startable && !(await lockHeld())) throw new ApiError(start.code, start.message);
  return isOauth;
}

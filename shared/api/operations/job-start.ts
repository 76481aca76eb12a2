import type { JobType } from '../../jobs/job-types.js';
import { startJob } from '../../jobs/start-job.js';
import type { ApiDeps } from '../../runtime/api-runtime.js';
import type { ApiResponse } from '../api-handler.js';
import { ApiError } from '../api-error.js';
import { jobView } from '../views.js';

export const jobLocation = (userGuid: string, memberGuid: string, jobGuid: string) =>
  `/users/${userGuid}/members/${memberGuid}/jobs/${jobGuid}`;

/**
 * Starts a job on a member, or answers the one already running: the same type is that job
 * (202, as MX answers), another type is a conflict (409). One execution per member at a time.
 */
export async function startMemberJob(
  deps: ApiDeps,
  request: { type: JobType; userGuid: string; memberGuid: string; observe: boolean; includeTransactions?: boolean },
): Promise<ApiResponse> {
  const outcome = await startJob(
    { jobs: deps.jobs, sfn: deps.sfn, stateMachineArns: deps.stateMachineArns, lockSeconds: deps.lockSeconds, now: deps.now },
    {
      type: request.type,
      userGuid: request.userGuid,
      memberGuid: request.memberGuid,
      observeOnly: request.observe,
      ...(request.includeTransactions === undefined ? {} : { includeTransactions: request.includeTransactions }),
    },
  );
  const job = outcome.started ? outcome.job : await deps.jobs.getJob(request.memberGuid, outcome.running.job_guid);
  if (!job) throw new ApiError(409, 'JOB_RUNNING', 'another job is starting on this member; try again in a moment');
  if (!outcome.started && job.type !== request.type) {
    throw new ApiError(409, 'JOB_RUNNING', `a ${job.type} job (${job.job_guid}) is running on this member; start this one when it ends`);
  }
  return { status: 202, body: { job: jobView(job) }, headers: { Location: jobLocation(job.user_guid, job.member_guid, job.job_guid) } };
}

import { ApiError, notFound } from '#shared/api/api-error.js';
import { decodeCursor, encodeCursor } from '#shared/api/cursor.js';
import type { FamilyOperations, Operation } from '#shared/api/operation.js';
import { knownUser, ownedMember } from '#shared/api/ownership.js';
import type { RouteOf } from '#shared/api/routes.js';
import { jobView } from '#shared/api/views.js';
import type { JobType } from '#shared/contract/workflow.js';
import {
  answerChallenges,
  challengeExpired,
  challengeWaitMinutes,
  resumedByAnswer,
} from '#shared/jobs/answer-challenges.js';
import { cancelJob } from '#shared/jobs/cancel-job.js';
import { checkChallengeAnswers } from '#shared/jobs/check-challenge-answers.js';
import { isMxError } from '#shared/mx/index.js';
import type { ApiDeps } from '#shared/runtime/api-runtime.js';
import { recordChallengeWait } from '#shared/runtime/metrics.js';
import { keys } from '#shared/store/keys.js';
import { startMemberJob } from './job-start.js';

/**
 * The member a job is started on. One created through MX's Connect widget is not known here
 * yet: it is adopted when MX confirms it is this user's.
 */
async function memberForJob(deps: ApiDeps, userGuid: string, memberGuid: string) {
  const known = await deps.members.getMember(userGuid, memberGuid);
  if (known?.deletion_guid) throw new ApiError('MEMBER_BEING_DELETED', known.deletion_guid);
  if (known) return known;
  await knownUser(deps, userGuid);
  const mxMember = await (await deps.mx()).readMember(userGuid, memberGuid).catch((error: unknown) => {
    throw isMxError(error) && error.code === 'MX_NOT_FOUND' ? notFound('member', 'member_guid') : error;
  });
  const now = deps.now().toISOString();
  const adopted = {
    guid: memberGuid,
    user_guid: userGuid,
    institution_code: String(mxMember.institution_code),
    id: mxMember.id ?? null,
    metadata: mxMember.metadata ?? null,
    is_oauth: mxMember.is_oauth ?? false,
    oauth_window_uri: mxMember.oauth_window_uri ?? null,
    connection_status: mxMember.connection_status ?? null,
    created_at: now,
    updated_at: now,
  };
  await deps.members.putMember(adopted);
  return adopted;
}

const start =
  (type: JobType): Operation<RouteOf<'aggregateMember'>> =>
  async (deps, { params, body: { observe, include_transactions } }) => {
    const member = await memberForJob(deps, params.user_guid, params.member_guid);
    return startMemberJob(deps, {
      type,
      userGuid: member.user_guid,
      memberGuid: member.guid,
      observe: observe ?? false,
      isOauth: member.is_oauth,
      ...(include_transactions === undefined ? {} : { includeTransactions: include_transactions }),
    });
  };

/**
 * The job, if it is this user's: one read for the route polled most (a job names its user, and
 * the purge deletes a member's jobs no later than the member); otherwise the 404 the member's
 * owner check gives, or the job's.
 */
async function ownedJob(deps: ApiDeps, params: { user_guid: string; member_guid: string; job_guid: string }) {
  const job = await deps.jobs.getJob(params.member_guid, params.job_guid);
  if (job && job.user_guid === params.user_guid) return job;
  await ownedMember(deps, params.user_guid, params.member_guid);
  throw notFound('job', 'job_guid');
}

export const jobOperations = {
  aggregateMember: start('aggregate'),
  verifyMember: start('verify'),
  identifyMember: start('identify'),
  historyMember: start('history'),

  listJobs: async (deps, { params, query: { limit, cursor } }) => {
    const member = await ownedMember(deps, params.user_guid, params.member_guid);
    const { pk, skPrefix } = keys.jobsOfMember(member.guid);
    const cursorKeys = await deps.cursorKeys();
    const startKey = decodeCursor(cursorKeys, cursor, pk, skPrefix);
    const page = await deps.jobs.listJobs(member.guid, { limit, ...(startKey ? { startKey } : {}) });
    return {
      status: 200,
      body: { jobs: page.items.map(jobView), pagination: { next_cursor: encodeCursor(cursorKeys, page.lastKey) } },
    };
  },

  readJob: async (deps, { params }) => ({ status: 200, body: { job: jobView(await ownedJob(deps, params)) } }),

  /** Ends a running, challenged or waiting job CANCELLED and stops its execution; the member is free at once. */
  cancelJob: async (deps, { params }) => {
    const job = await ownedJob(deps, params);
    if (!(await cancelJob(deps, job, 'CANCELLED'))) {
      const now = await deps.jobs.getJob(job.member_guid, job.job_guid);
      throw new ApiError('JOB_ENDED', now?.status ?? job.status, { field: 'job_guid' });
    }
    const cancelled = await deps.jobs.getJob(job.member_guid, job.job_guid);
    return { status: 200, body: { job: jobView(cancelled ?? job) } };
  },

  /**
   * The answers go to MX and nowhere else; the job resumes once, however often they are posted.
   * Answers that do not fit the open challenges are refused (400 naming the field) unsent, and
   * an answer after the wait ran out is refused (409 CHALLENGE_EXPIRED) unsent.
   */
  answerChallenges: async (deps, { params, body: { challenges: answers } }) => {
    const job = await ownedJob(deps, params);
    // Before anything else: a late answer must never reach MX, nor read as answered.
    if (challengeExpired(job, deps.now())) throw new ApiError('CHALLENGE_EXPIRED', challengeWaitMinutes(job));
    if (resumedByAnswer(job)) throw new ApiError('ALREADY_ANSWERED');
    if (job.status !== 'CHALLENGED') throw new ApiError('JOB_NOT_CHALLENGED', job.status);
    // Checked before the claim: a misfit answer never reaches MX, and the job keeps waiting.
    const problem = checkChallengeAnswers(job.challenges ?? [], answers);
    if (problem) throw new ApiError('VALIDATION_FAILED', problem.message, { field: problem.field });

    const outcome = await answerChallenges(
      { mx: await deps.mx(), jobs: deps.jobs, taskTokens: deps.taskTokens, now: deps.now },
      { userGuid: job.user_guid, memberGuid: job.member_guid, jobGuid: job.job_guid, answers },
    );
    if (outcome.outcome === 'EXPIRED') throw new ApiError('CHALLENGE_EXPIRED', outcome.waitMinutes);
    if (outcome.outcome === 'ALREADY_ANSWERED') throw new ApiError('ALREADY_ANSWERED');
    if (outcome.outcome === 'NOT_CHALLENGED') throw new ApiError('JOB_NOT_CHALLENGED', undefined);
    if (outcome.outcome === 'REFUSED') {
      throw new ApiError('VALIDATION_FAILED', outcome.problem.message, { field: outcome.problem.field });
    }
    recordChallengeWait(outcome.waitedSeconds);
    const resumed = await deps.jobs.getJob(job.member_guid, job.job_guid);
    return { status: 202, body: { job: jobView(resumed ?? job) } };
  },
} satisfies FamilyOperations<'jobs'>;

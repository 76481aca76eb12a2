import type { ChallengeResponse, CredentialRequest } from 'mx-platform-node';
import { DEFAULT_JOB_TIME_BUDGET } from '#shared/contract/time-budget.js';
import { isMxError } from '#shared/mx/index.js';
import type { JobRecord } from '#shared/store/job-record.js';
import { type AnswerProblem, checkChallengeAnswers } from './check-challenge-answers.js';
import type { WorkflowDeps } from './workflow-deps.js';

export interface ChallengeAnswers {
  readonly userGuid: string;
  readonly memberGuid: string;
  readonly jobGuid: string;
  /** `{guid, value}` per challenge; for option types the value is the chosen option's `value`. */
  readonly answers: readonly CredentialRequest[];
}

export type AnswerOutcome =
  /** MX took the answers and the execution is polling again. */
  | { readonly outcome: 'RESUMED'; readonly waitedSeconds: number }
  /** The same job was answered a moment ago; nothing was sent twice. */
  | { readonly outcome: 'ALREADY_ANSWERED' }
  /** The job is not waiting for an answer (any more). */
  | { readonly outcome: 'NOT_CHALLENGED'; readonly job: JobRecord | undefined }
  /** The answers do not fit the open challenges; nothing went to MX and the job still waits. */
  | { readonly outcome: 'REFUSED'; readonly problem: AnswerProblem }
  /** The wait for the answer ran out: the execution no longer listens, a new job has to start. */
  | { readonly outcome: 'EXPIRED'; readonly waitMinutes: number };

/**
 * Whether the job's round of challenges can no longer be answered: its wait has run out, or the
 * job already ended on it. Decided before anything reaches MX.
 */
export function challengeExpired(job: JobRecord, now: Date): boolean {
  if (job.status === 'CHALLENGED')
    return job.challenge_expires_at !== undefined && Date.parse(job.challenge_expires_at) <= now.getTime();
  return job.status === 'FAILED' && job.error?.code === 'CHALLENGE_EXPIRED';
}

/** How long the job's last round of challenges waited for its answer, in whole minutes. */
export function challengeWaitMinutes(job: JobRecord): number {
  const parkedAt = job.history.findLast((entry) => entry.status === 'CHALLENGED')?.at;
  const waitedMs =
    parkedAt && job.challenge_expires_at
      ? Date.parse(job.challenge_expires_at) - Date.parse(parkedAt)
      : DEFAULT_JOB_TIME_BUDGET.challengeTimeoutSeconds * 1000;
  return Math.max(1, Math.round(waitedMs / 60_000));
}

const defaultWaitMinutes = () => Math.round(DEFAULT_JOB_TIME_BUDGET.challengeTimeoutSeconds / 60);
const expired = (job: JobRecord): AnswerOutcome => ({ outcome: 'EXPIRED', waitMinutes: challengeWaitMinutes(job) });

/**
 * MX failures after which MX may hold the answer all the same: its reply was lost on the way
 * (time-out, dropped connection, a 5xx from a proxy in front of it) or, when an earlier try of
 * the same answer reached MX, a 400 because its open round is a newer one now.
 */
const MAYBE_TAKEN: ReadonlySet<string> = new Set([
  'MX_BAD_REQUEST',
  'MX_NETWORK',
  'MX_TIMEOUT',
  'MX_SERVER_ERROR',
  'MX_UNEXPECTED_STATUS',
  'MX_INVALID_RESPONSE',
]);

/**
 * Whether MX no longer waits on any challenge of this round: it is past CHALLENGED, or asks a
 * round of other guids. A failed read says nothing, so the round is taken as still open.
 */
async function roundClosed(
  mx: Pick<WorkflowDeps['mx'], 'readMemberStatus'>,
  request: ChallengeAnswers,
  round: readonly ChallengeResponse[],
): Promise<boolean> {
  try {
    const status = await mx.readMemberStatus(request.userGuid, request.memberGuid);
    if (status.connection_status !== 'CHALLENGED') return true;
    const open = new Set((status.challenges ?? []).map((c) => c.guid));
    return open.size > 0 && round.every((c) => !open.has(c.guid));
  } catch {
    return false;
  }
}

/**
 * Whether an answer took the job out of CHALLENGED and it runs on (only a claimed answer leads
 * from CHALLENGED back to RUNNING): the same answer posted again is then a repeat.
 */
export const resumedByAnswer = (job: JobRecord): boolean =>
  job.status === 'RUNNING' && job.history.some((entry) => entry.status === 'CHALLENGED');

/**
 * Sends a parked job's answers to MX and resumes its execution, exactly once however often
 * the same answer is posted: the first caller claims the task token, later ones find none.
 * Answers are checked against the challenges claimed (a new round may have been parked since
 * the caller looked) and a misfit is given back unsent, so a typo never burns the job.
 * Answers are passed straight to MX and kept nowhere.
 */
export async function answerChallenges(
  deps: Pick<WorkflowDeps, 'mx' | 'jobs' | 'taskTokens' | 'now'>,
  request: ChallengeAnswers,
): Promise<AnswerOutcome> {
  // The claim is the check: the job is read only when it fails, to say why.
  const claim = await deps.jobs.claimChallenge({
    memberGuid: request.memberGuid,
    jobGuid: request.jobGuid,
    userGuid: request.userGuid,
    now: deps.now(),
  });
  if (!claim) {
    const job = await deps.jobs.getJob(request.memberGuid, request.jobGuid);
    if (!job || job.user_guid !== request.userGuid) return { outcome: 'NOT_CHALLENGED', job: undefined };
    if (challengeExpired(job, deps.now())) return expired(job);
    // Still CHALLENGED yet unclaimable: another answer holds the token right now.
    return job.status === 'CHALLENGED' || resumedByAnswer(job)
      ? { outcome: 'ALREADY_ANSWERED' }
      : { outcome: 'NOT_CHALLENGED', job };
  }
  const { taskToken } = claim;
  const problem = checkChallengeAnswers(claim.challenges, request.answers);
  if (problem) {
    await deps.jobs.releaseChallenge(request.memberGuid, request.jobGuid, {
      challenges: claim.challenges,
      taskToken,
      now: deps.now(),
    });
    return { outcome: 'REFUSED', problem };
  }

  try {
    await deps.mx.resumeMember(request.userGuid, request.memberGuid, request.answers);
  } catch (error) {
    // 405: MX no longer waits for this challenge (it expired); let polling find out how it ended.
    if (isMxError(error) && error.code === 'MX_NOT_ALLOWED') {
      const resumed = await deps.taskTokens.succeed(taskToken);
      const job = await deps.jobs.getJob(request.memberGuid, request.jobGuid);
      return !resumed && job ? expired(job) : { outcome: 'NOT_CHALLENGED', job };
    }
    // The answer may have reached MX with only its reply lost, or an earlier try of it did and MX
    // asks a newer round now (it refuses these guids with a 400): then the answer is in.
    const taken =
      isMxError(error) && MAYBE_TAKEN.has(error.code) && (await roundClosed(deps.mx, request, claim.challenges));
    if (!taken) {
      // The challenge is still open: give it back for another try.
      await deps.jobs.releaseChallenge(request.memberGuid, request.jobGuid, {
        challenges: claim.challenges,
        taskToken,
        now: deps.now(),
      });
      throw error;
    }
  }
  // Closed (TaskTimedOut): the wait ran out between the claim and now; the execution ends the job.
  if (!(await deps.taskTokens.succeed(taskToken))) {
    const job = await deps.jobs.getJob(request.memberGuid, request.jobGuid);
    return { outcome: 'EXPIRED', waitMinutes: job ? challengeWaitMinutes(job) : defaultWaitMinutes() };
  }
  return { outcome: 'RESUMED', waitedSeconds: Math.max(0, (deps.now().getTime() - Date.parse(claim.parkedAt)) / 1000) };
}

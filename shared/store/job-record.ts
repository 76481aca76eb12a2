import { randomBytes } from 'node:crypto';
import type { ChallengeResponse } from 'mx-platform-node';
import type { JobStatus, JobType } from '#shared/contract/workflow.js';
import type { FailureReason } from '#shared/jobs/failure-reasons.js';
import type { ResultKind } from './keys.js';

export interface JobHistoryEntry {
  readonly at: string;
  readonly status: JobStatus;
  readonly connection_status: string | null;
}

/** A job as stored: MX's snake_case style, as the API will show it. */
export interface JobRecord {
  readonly job_guid: string;
  readonly type: JobType;
  readonly status: JobStatus;
  readonly user_guid: string;
  readonly member_guid: string;
  readonly connection_status: string | null;
  /** The MX job the member ran for it, and whether mxflow attached to one already running. */
  readonly mx_job_guid?: string | null;
  readonly attached?: boolean;
  /** The challenges waiting for an answer while CHALLENGED; never the answers. */
  readonly challenges?: ChallengeResponse[];
  /** While CHALLENGED: when the execution stops waiting for the answer (ISO); an answer after it is refused. */
  readonly challenge_expires_at?: string;
  readonly oauth_window_uri?: string | null;
  /** How many fresh OAuth windows the end user was given while the job waited: each restarts the OAuth deadline. */
  readonly oauth_windows_renewed?: number;
  readonly error?: { readonly code: FailureReason; readonly message: string } | null;
  readonly counts?: JobCounts;
  /** What the end user should know about a job that succeeded (numbers not validated, data not refreshed). */
  readonly warnings?: JobWarning[];
  /** MX's successfully_aggregated_at read before an aggregation started: unchanged at its end means MX throttled it. */
  readonly mx_aggregated_before?: string | null;
  readonly history: JobHistoryEntry[];
  readonly created_at: string;
  readonly updated_at: string;
  readonly finished_at?: string;
}

/** Result counts, and for an aggregation whether MX refreshed the data (false: MX throttled it). */
export type JobCounts = Partial<Record<ResultKind, number>> & { readonly refreshed?: boolean };

export const JOB_WARNINGS = {
  ACCOUNT_NUMBERS_NOT_VALIDATED:
    'MX could not validate some account or routing numbers (passed_validation false); check them before moving money.',
  DATA_NOT_REFRESHED:
    'MX did not refresh the data (it aggregated this member recently); the results are the ones MX already had.',
} as const;
export type JobWarningCode = keyof typeof JOB_WARNINGS;
export interface JobWarning {
  readonly code: JobWarningCode;
  readonly message: string;
}

/** The per-member lock: at most one running job per member. */
export interface MemberLock {
  /** The job holding the member, or the deletion (`DEL-…`) purging it. */
  readonly job_guid: string;
  readonly job_type: JobType | 'deletion';
  /** Epoch second through which the lock holds. */
  readonly expires_at: number;
}

/** The epoch second a lock's expiry is compared with, by the write that takes it and by readers. */
export const lockSecond = (at: Date): number => Math.floor(at.getTime() / 1000);

/**
 * Whether a lock still holds the member at `now`: through its expiry second, as the write that
 * takes a member over sees it (an expired lock, `expires_at < :now`, belongs to a job that died).
 */
export function isLiveLock(lock: MemberLock | undefined, now: Date): lock is MemberLock {
  return lock !== undefined && lock.expires_at >= lockSecond(now);
}

/** What a workflow step needs to find its job: references only, never data. */
export interface JobRef {
  readonly jobGuid: string;
  readonly userGuid: string;
  readonly memberGuid: string;
  readonly jobType: JobType;
  /** Carried from the job start: an OAuth member's DENIED means the consent was refused. */
  readonly isOauth?: boolean;
  /** Carried from the job start: no end user is there to answer a challenge or open an OAuth window. */
  readonly unattended?: boolean;
}

/** A job as its start records it: RUNNING, no connection status yet, its history begun. */
export function newJobRecord(
  job: { readonly jobGuid: string; readonly type: JobType; readonly userGuid: string; readonly memberGuid: string },
  at: string,
): JobRecord {
  return {
    job_guid: job.jobGuid,
    type: job.type,
    status: 'RUNNING',
    user_guid: job.userGuid,
    member_guid: job.memberGuid,
    connection_status: null,
    history: [{ at, status: 'RUNNING', connection_status: null }],
    created_at: at,
    updated_at: at,
  };
}

/**
 * A new job's guid: its start time in hex first, so a member's jobs list newest first straight
 * from the table, and so the guid alone finds an active job (`jobStartOf`).
 */
export function newJobGuid(now: Date): string {
  return `JOB-${now.getTime().toString(16).padStart(12, '0')}-${randomBytes(8).toString('hex')}`;
}

/** The start time a `newJobGuid` carries, or undefined for any other guid. */
export function jobStartOf(jobGuid: string): Date | undefined {
  const hex = /^JOB-([0-9a-f]{12})-[0-9a-f]{16}$/.exec(jobGuid)?.[1];
  return hex === undefined ? undefined : new Date(Number.parseInt(hex, 16));
}

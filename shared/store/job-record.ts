import type { ChallengeResponse } from 'mx-platform-node';
import type { FailureReason } from '../jobs/failure-reasons.js';
import type { JobStatus, JobType } from '../jobs/job-types.js';
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
  readonly task_token?: string;
  readonly oauth_window_uri?: string | null;
  readonly error?: { readonly code: FailureReason; readonly message: string } | null;
  readonly counts?: Partial<Record<ResultKind, number>>;
  readonly history: JobHistoryEntry[];
  readonly created_at: string;
  readonly updated_at: string;
  readonly finished_at?: string;
}

/** The per-member lock: at most one running job per member. */
export interface MemberLock {
  readonly job_guid: string;
  readonly job_type: JobType;
  readonly expires_at: number;
}

/** What a workflow step needs to find its job: references only, never data. */
export interface JobRef {
  readonly jobGuid: string;
  readonly userGuid: string;
  readonly memberGuid: string;
  readonly jobType: JobType;
}

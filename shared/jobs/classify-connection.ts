import type { MemberStatusResponse } from 'mx-platform-node';
import type { FailureReason } from './failure-reasons.js';
import type { JobType } from './job-types.js';

/** What the workflow does after reading a member's status. */
export type NextStep =
  | { readonly next: 'WAIT' }
  | { readonly next: 'AWAIT_CHALLENGE_ANSWER' }
  | { readonly next: 'AWAIT_OAUTH' }
  | { readonly next: 'FETCH_RESULTS' }
  | { readonly next: 'FAIL'; readonly reason: FailureReason };

/** MX's connection_status values (ids 0–21), from MX's documentation. */
export const CONNECTION_STATUSES = [
  'CREATED', 'PREVENTED', 'DENIED', 'CHALLENGED', 'REJECTED', 'LOCKED', 'CONNECTED', 'IMPEDED',
  'RECONNECTED', 'DEGRADED', 'DISCONNECTED', 'DISCONTINUED', 'CLOSED', 'DELAYED', 'FAILED',
  'UPDATED', 'DISABLED', 'IMPORTED', 'RESUMED', 'EXPIRED', 'IMPAIRED', 'PENDING',
] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

const IN_PROGRESS: readonly string[] = ['CREATED', 'RECONNECTED', 'UPDATED', 'RESUMED', 'DELAYED'];

/** End states in which the job is over; IMPEDED depends on the job (below). */
const END_STATE_REASONS: Readonly<Partial<Record<ConnectionStatus, FailureReason>>> = {
  DENIED: 'CREDENTIALS_INVALID',
  PREVENTED: 'LOGIN_PREVENTED',
  REJECTED: 'MFA_REJECTED',
  LOCKED: 'ACCOUNT_LOCKED',
  IMPAIRED: 'CREDENTIALS_REQUIRED',
  IMPORTED: 'CREDENTIALS_REQUIRED',
  EXPIRED: 'CHALLENGE_EXPIRED',
  DISABLED: 'CONNECTION_DISABLED',
  DISCONTINUED: 'INSTITUTION_DISCONTINUED',
  CLOSED: 'ACCOUNT_CLOSED',
  DEGRADED: 'INSTITUTION_UNAVAILABLE',
  DISCONNECTED: 'INSTITUTION_UNAVAILABLE',
  FAILED: 'INSTITUTION_UNAVAILABLE',
};

/**
 * Decides what a member status means for a job: the one place that reads MX's statuses. As
 * MX's own widget does, an error status counts only once `is_being_aggregated` is false.
 */
export function classifyConnection(status: Pick<MemberStatusResponse, 'connection_status' | 'is_being_aggregated'>, jobType: JobType): NextStep {
  const connection = status.connection_status;
  if (connection === 'CHALLENGED') return { next: 'AWAIT_CHALLENGE_ANSWER' };
  if (connection === 'PENDING') return { next: 'AWAIT_OAUTH' };
  if (status.is_being_aggregated === true) return { next: 'WAIT' };
  if (connection === 'CONNECTED') return { next: 'FETCH_RESULTS' };
  if (connection === null || connection === undefined) return { next: 'FAIL', reason: 'NOT_AGGREGATABLE' };
  if (IN_PROGRESS.includes(connection)) return { next: 'WAIT' };
  // In verification, IMPEDED with no challenge is MX's "no eligible account" answer.
  if (connection === 'IMPEDED') return { next: 'FAIL', reason: jobType === 'verify' ? 'NO_ELIGIBLE_ACCOUNTS' : 'USER_ACTION_REQUIRED' };
  const reason = END_STATE_REASONS[connection as ConnectionStatus];
  return { next: 'FAIL', reason: reason ?? 'UNKNOWN_CONNECTION_STATUS' };
}

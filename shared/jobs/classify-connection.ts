import type { MemberStatusResponse } from 'mx-platform-node';
import type { StartRefusalCode } from '#shared/contract/api-errors.js';
import type { JobType, NextStepValue } from '#shared/contract/workflow.js';
import { CONNECTION_STATUS_WEBHOOK_STATUSES, type ConnectionStatus } from '#shared/mx/connection-statuses.js';
import type { FailureReason } from './failure-reasons.js';

/** What the workflow does after reading a member's status, with the reason when it fails. */
export type NextStep =
  | { readonly next: Exclude<NextStepValue, 'FAIL'> }
  | { readonly next: 'FAIL'; readonly reason: FailureReason };

export { CONNECTION_STATUSES, type ConnectionStatus } from '#shared/mx/connection-statuses.js';

/**
 * The statuses in which the member waits for its end user (an answer, new credentials, an action
 * at the bank, an OAuth consent): MX's CONNECTION_STATUS webhook statuses, and PENDING.
 */
const NEEDS_END_USER: readonly string[] = [...CONNECTION_STATUS_WEBHOOK_STATUSES, 'PENDING'];

export const needsEndUser = (status: string | null): boolean => status !== null && NEEDS_END_USER.includes(status);

const IN_PROGRESS: readonly string[] = ['CREATED', 'RECONNECTED', 'UPDATED', 'RESUMED', 'DELAYED'];

/** What the job knows about its member beyond the status: an OAuth member's DENIED means refused consent. */
export interface MemberTraits {
  readonly isOauth?: boolean;
}

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
export function classifyConnection(
  status: Pick<MemberStatusResponse, 'connection_status' | 'is_being_aggregated'>,
  jobType: JobType,
  traits: MemberTraits = {},
): NextStep {
  const connection = status.connection_status;
  if (connection === 'CHALLENGED') return { next: 'AWAIT_CHALLENGE_ANSWER' };
  if (connection === 'PENDING') return { next: 'AWAIT_OAUTH' };
  if (status.is_being_aggregated === true) return { next: 'WAIT' };
  if (connection === 'CONNECTED') return { next: 'FETCH_RESULTS' };
  if (connection === null || connection === undefined) return { next: 'FAIL', reason: 'NOT_AGGREGATABLE' };
  if (IN_PROGRESS.includes(connection)) return { next: 'WAIT' };
  return { next: 'FAIL', reason: endStateReason(connection, jobType, traits) ?? 'UNKNOWN_CONNECTION_STATUS' };
}

/** What an end state means for a job; IMPEDED and an OAuth member's DENIED depend on more than the status. */
function endStateReason(connection: string, jobType: JobType, traits: MemberTraits): FailureReason | undefined {
  // In verification, IMPEDED with no challenge is MX's "no eligible account" answer.
  if (connection === 'IMPEDED') return jobType === 'verify' ? 'NO_ELIGIBLE_ACCOUNTS' : 'USER_ACTION_REQUIRED';
  if (connection === 'DENIED' && traits.isOauth === true) return 'OAUTH_DENIED';
  return END_STATE_REASONS[connection as ConnectionStatus];
}

/**
 * The statuses MX starts a job from (MX's aggregation and verification guides: "The
 * connection_status must be one of the following in order to continue").
 */
export const STARTABLE_STATUSES: readonly ConnectionStatus[] = [
  'CREATED',
  'CONNECTED',
  'DEGRADED',
  'DISCONNECTED',
  'EXPIRED',
  'FAILED',
  'IMPEDED',
  'RECONNECTED',
  'UPDATED',
];

/** Why a job cannot start: the API's 409 code, the job's failure reason, and the next step. */
export interface StartRefusal {
  readonly startable: false;
  readonly code: StartRefusalCode;
  readonly reason: FailureReason;
  readonly message: string;
}
export type Startability = { readonly startable: true } | StartRefusal;

const refuse = (code: StartRefusalCode, reason: FailureReason, message: string): StartRefusal => ({
  startable: false,
  code,
  reason,
  message,
});
const NEW_CREDENTIALS =
  "send the end user's new credentials with PUT …/members/{member_guid}, which starts a new login";

/**
 * Per end state outside STARTABLE_STATUSES: the API's code and what the caller must do instead
 * of starting a job. The job's reason is the one the end state gives a job (endStateReason).
 */
const END_STATE_REFUSALS: Readonly<
  Partial<Record<ConnectionStatus | 'OAUTH_DENIED', { code: StartRefusalCode; message: string }>>
> = {
  DENIED: {
    code: 'MEMBER_NEEDS_CREDENTIALS',
    message: `the member is DENIED (the institution rejected the credentials): ${NEW_CREDENTIALS}`,
  },
  OAUTH_DENIED: {
    code: 'MEMBER_OAUTH_DENIED',
    message:
      'the member is DENIED: the end user refused the OAuth consent; request a new oauth_window_uri and send the end user there',
  },
  IMPAIRED: {
    code: 'MEMBER_NEEDS_CREDENTIALS',
    message: `the member is IMPAIRED (its credentials no longer work): ${NEW_CREDENTIALS}`,
  },
  PREVENTED: {
    code: 'MEMBER_NEEDS_CREDENTIALS',
    message: `the member is PREVENTED (too many failed logins): ${NEW_CREDENTIALS}`,
  },
  IMPORTED: {
    code: 'MEMBER_NEEDS_CREDENTIALS',
    message: `the member is IMPORTED and has no credentials yet: ${NEW_CREDENTIALS}`,
  },
  REJECTED: {
    code: 'MEMBER_MFA_REJECTED',
    message: `the member is REJECTED (a challenge was answered wrong): ${NEW_CREDENTIALS} while the end user is present`,
  },
  LOCKED: {
    code: 'MEMBER_LOCKED',
    message:
      'the member is LOCKED: the end user must unlock the login at the institution, then send its credentials again with PUT …/members/{member_guid}',
  },
  DISABLED: {
    code: 'MEMBER_DISABLED',
    message:
      'the member is DISABLED: MX has paused this connection for now; try again later, no end-user action is needed',
  },
  DISCONTINUED: {
    code: 'MEMBER_DISCONTINUED',
    message:
      'the member is DISCONTINUED: MX no longer supports this connection; the end user should connect another way',
  },
  CLOSED: {
    code: 'MEMBER_CLOSED',
    message: 'the member is CLOSED: it was closed and cannot run jobs; connect a new member instead',
  },
};

const challengedRefusal = () =>
  refuse(
    'MEMBER_CHALLENGED',
    'MEMBER_CHALLENGED',
    'the member is CHALLENGED: answer the challenges of the job that raised them (PUT …/jobs/{job_guid}/challenges) first',
  );

function beingAggregated(status: string, jobType: JobType): StartRefusal {
  const observe = 'POST …/aggregate with observe: true';
  const follow = jobType === 'aggregate' ? observe : `${observe}, then start the ${jobType} job`;
  return refuse(
    'MEMBER_BEING_AGGREGATED',
    'JOB_CONFLICT',
    `MX is aggregating the member (${status}): wait for it to end, or follow it with ${follow}`,
  );
}

/**
 * Whether MX will start a job of this type on a member now. A member MX is aggregating takes
 * an aggregate (MX attaches to its aggregation) but no other job type; a CHALLENGED member
 * waits for its answer whatever runs.
 */
export function startability(
  status: Pick<MemberStatusResponse, 'connection_status' | 'is_being_aggregated'>,
  jobType: JobType,
  traits: MemberTraits = {},
): Startability {
  const connection = status.connection_status ?? null;
  if (connection === 'CHALLENGED') return challengedRefusal();
  if (status.is_being_aggregated === true)
    return jobType === 'aggregate' ? { startable: true } : beingAggregated(connection ?? 'no status', jobType);
  if (connection === null)
    return refuse(
      'MEMBER_NOT_AGGREGATABLE',
      'NOT_AGGREGATABLE',
      'the member has no connection status (a manual member): MX runs no jobs on it',
    );
  if (STARTABLE_STATUSES.includes(connection as ConnectionStatus)) return { startable: true };
  if (connection === 'PENDING')
    return refuse(
      'MEMBER_PENDING_OAUTH',
      'OAUTH_PENDING',
      'the member is PENDING: the end user must finish the OAuth window (oauth_window_uri) first',
    );
  if (connection === 'RESUMED' || connection === 'DELAYED') return beingAggregated(connection, jobType);
  const reason = endStateReason(connection, jobType, traits);
  const refusal = END_STATE_REFUSALS[reason === 'OAUTH_DENIED' ? 'OAUTH_DENIED' : (connection as ConnectionStatus)];
  return refusal && reason
    ? refuse(refusal.code, reason, refusal.message)
    : refuse(
        'MEMBER_NOT_STARTABLE',
        'UNKNOWN_CONNECTION_STATUS',
        `the member is ${connection}, a status MX starts no job from`,
      );
}

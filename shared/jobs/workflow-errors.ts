import type { JobType } from '#shared/contract/workflow.js';
import { isMxError, type MxError } from '#shared/mx/index.js';
import type { FailureReason } from './failure-reasons.js';

/**
 * Error names a workflow step throws for the state machine's Retry and Catch to match on.
 * Lambda reports a thrown error's `name` as its error type, and the state machine factory
 * reads the names from here: one list for both.
 */
export const WORKFLOW_ERRORS = {
  /** MX answered 429 or 5xx, timed out or dropped the connection: retried with backoff. */
  mxTransient: 'MxTransientError',
  /** MX runs another job type on the member (409): waited out by a bounded retry. */
  mxJobConflict: 'MxJobConflict',
  /** MX refused mxflow's API credentials (401). */
  mxAccessDenied: 'MxAccessDenied',
  /** MX answered 403 for a reason mxflow does not recognise in its message. */
  mxForbidden: 'MxForbidden',
  /** MX refused the address mxflow calls from (403: not on the client's allow list). */
  mxIpNotAllowed: 'MxIpNotAllowed',
  /** MX has not enabled the product (verification, identification, ...) for this client (403). */
  mxFeatureNotEnabled: 'MxFeatureNotEnabled',
  /** MX refused the request for good (another 4xx). */
  mxRejected: 'MxRequestRejected',
  /** The job ended (cancelled, its member deleted) while a step of its execution still ran: it writes nothing. */
  jobNotActive: 'JobNotActive',
} as const;

/**
 * Lambda refusing or failing to run a task, as Step Functions names it: its throttle
 * (TooManyRequests) and the service exceptions CDK's default Retry covers.
 */
export const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.TooManyRequestsException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
] as const;

/**
 * AWS errors a task throws that pass on their own: DynamoDB throttling (the SDK's own retries
 * given up), transaction conflicts, the batch write that gave up on UnprocessedItems, and a
 * dropped connection.
 * Lambda reports the SDK error's `name` as the error type the state machine matches on.
 */
export const AWS_TRANSIENT_ERRORS = [
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TransactionCanceledException',
  'TransactionConflictException',
  'DynamoDbThrottled',
  // A connection to AWS reset or timed out (the SDK names both TimeoutError) once the SDK's own
  // retries are spent: after a burst of throttles its retry quota is, and it tries only once.
  'TimeoutError',
] as const;

class WorkflowError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

/** A step of a job that has ended or is gone (cancelled, purged by a deletion): refused before it writes. */
export const jobNotActive = (jobGuid: string) =>
  new WorkflowError(WORKFLOW_ERRORS.jobNotActive, `job ${jobGuid} is no longer active: nothing is written for it`);

/** What each workflow error name means for the job: one table for the Catch and the steps. */
const REASON_OF_ERROR: Readonly<Record<string, FailureReason>> = {
  [WORKFLOW_ERRORS.mxJobConflict]: 'JOB_CONFLICT',
  [WORKFLOW_ERRORS.mxTransient]: 'MX_UNAVAILABLE',
  [WORKFLOW_ERRORS.mxAccessDenied]: 'MX_ACCESS_DENIED',
  [WORKFLOW_ERRORS.mxForbidden]: 'MX_FORBIDDEN',
  [WORKFLOW_ERRORS.mxIpNotAllowed]: 'MX_IP_NOT_ALLOWED',
  [WORKFLOW_ERRORS.mxFeatureNotEnabled]: 'MX_FEATURE_NOT_ENABLED',
  [WORKFLOW_ERRORS.mxRejected]: 'MX_REQUEST_REJECTED',
  // The store refuses a round of challenges no job item could hold (shared/store/challenge-items.ts).
  ChallengesTooLarge: 'CHALLENGE_TOO_LARGE',
  // Only the challenge wait has a task timeout: nobody answered in time.
  'States.Timeout': 'CHALLENGE_EXPIRED',
};

/** What a caught error means for the job, when the state machine's Catch hands it over. */
export function reasonForCaughtError(errorName: string | undefined): FailureReason {
  return (
    (errorName !== undefined && Object.hasOwn(REASON_OF_ERROR, errorName) ? REASON_OF_ERROR[errorName] : undefined) ??
    'INTERNAL_ERROR'
  );
}

/**
 * Sorts an MX failure: transient ones and job conflicts are thrown again under the names the
 * state machine retries; any other refusal ends the job with a reason.
 */
export function reasonForMxError(error: unknown, jobType: JobType): FailureReason {
  if (!isMxError(error)) throw error;
  if (error.retryable) throw new WorkflowError(WORKFLOW_ERRORS.mxTransient, describe(error));
  if (error.code === 'MX_CONFLICT') throw new WorkflowError(WORKFLOW_ERRORS.mxJobConflict, describe(error));
  const refused = ACCESS_REFUSALS[error.code];
  if (refused) return reasonForCaughtError(refused);
  // MX answers 400 to a premium job at an institution that does not offer it.
  if (error.code === 'MX_BAD_REQUEST' && jobType !== 'aggregate') return 'NOT_SUPPORTED';
  return 'MX_REQUEST_REJECTED';
}

/** MX refusing mxflow itself, by kind: each leaves under its own workflow error name (and reason). */
const ACCESS_REFUSALS: Partial<Record<MxError['code'], string>> = {
  MX_UNAUTHORIZED: WORKFLOW_ERRORS.mxAccessDenied,
  MX_FORBIDDEN: WORKFLOW_ERRORS.mxForbidden,
  MX_IP_NOT_ALLOWED: WORKFLOW_ERRORS.mxIpNotAllowed,
  MX_FEATURE_NOT_ENABLED: WORKFLOW_ERRORS.mxFeatureNotEnabled,
};

const describe = (error: MxError) => `${error.operation}: ${error.code}${error.status ? ` (${error.status})` : ''}`;

/** For steps that cannot end the job themselves: any MX failure leaves under a workflow name. */
export function asWorkflowError(error: unknown): unknown {
  if (!isMxError(error)) return error;
  const name = error.retryable
    ? WORKFLOW_ERRORS.mxTransient
    : error.code === 'MX_CONFLICT'
      ? WORKFLOW_ERRORS.mxJobConflict
      : (ACCESS_REFUSALS[error.code] ?? WORKFLOW_ERRORS.mxRejected);
  return new WorkflowError(name, describe(error));
}

/**
 * The wait MX asked for when it answered 429 (its Retry-After, possibly none), or null for any
 * other error. A step that meets a 429 routes back through a Wait state instead of throwing:
 * a state machine Retry cannot read the delay from the error.
 */
export function rateLimitOf(error: unknown): { readonly retryAfterSeconds: number | undefined } | null {
  return isMxError(error) && error.code === 'MX_RATE_LIMITED' ? { retryAfterSeconds: error.retryAfterSeconds } : null;
}

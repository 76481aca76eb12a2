import { isMxError, type MxError } from '../mx/index.js';
import type { FailureReason } from './failure-reasons.js';
import type { JobType } from './job-types.js';

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
  /** MX refused mxflow's API credentials (401/403). */
  mxAccessDenied: 'MxAccessDenied',
  /** MX refused the request for good (another 4xx). */
  mxRejected: 'MxRequestRejected',
} as const;

class WorkflowError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

/** What a caught error means for the job, when the state machine's Catch hands it over. */
export function reasonForCaughtError(errorName: string | undefined): FailureReason {
  switch (errorName) {
    case WORKFLOW_ERRORS.mxJobConflict:
      return 'JOB_CONFLICT';
    case WORKFLOW_ERRORS.mxTransient:
      return 'MX_UNAVAILABLE';
    case WORKFLOW_ERRORS.mxAccessDenied:
      return 'MX_ACCESS_DENIED';
    case WORKFLOW_ERRORS.mxRejected:
      return 'MX_REQUEST_REJECTED';
    case 'States.Timeout':
      // Only the challenge wait has a task timeout: nobody answered in time.
      return 'CHALLENGE_EXPIRED';
    default:
      return 'INTERNAL_ERROR';
  }
}

/**
 * Sorts an MX failure: transient ones and job conflicts are thrown again under the names the
 * state machine retries; any other refusal ends the job with a reason.
 */
export function reasonForMxError(error: unknown, jobType: JobType): FailureReason {
  if (!isMxError(error)) throw error;
  if (error.retryable) throw new WorkflowError(WORKFLOW_ERRORS.mxTransient, describe(error));
  if (error.code === 'MX_CONFLICT') throw new WorkflowError(WORKFLOW_ERRORS.mxJobConflict, describe(error));
  if (error.code === 'MX_UNAUTHORIZED' || error.code === 'MX_FORBIDDEN') return 'MX_ACCESS_DENIED';
  // MX answers 400 to a premium job at an institution that does not offer it.
  if (error.code === 'MX_BAD_REQUEST' && jobType !== 'aggregate') return 'NOT_SUPPORTED';
  return 'MX_REQUEST_REJECTED';
}

const describe = (error: MxError) => `${error.operation}: ${error.code}${error.status ? ` (${error.status})` : ''}`;

/** For steps that cannot end the job themselves: any MX failure leaves under a workflow name. */
export function asWorkflowError(error: unknown): unknown {
  if (!isMxError(error)) return error;
  const name = error.retryable
    ? WORKFLOW_ERRORS.mxTransient
    : error.code === 'MX_CONFLICT'
      ? WORKFLOW_ERRORS.mxJobConflict
      : error.code === 'MX_UNAUTHORIZED' || error.code === 'MX_FORBIDDEN'
        ? WORKFLOW_ERRORS.mxAccessDenied
        : WORKFLOW_ERRORS.mxRejected;
  return new WorkflowError(name, describe(error));
}

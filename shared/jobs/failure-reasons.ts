/**
 * Every way a job can end without results, with what it means for the end user. The codes are
 * stable: they are stored on job records, returned by the API and counted in metrics.
 */
export const FAILURE_REASONS = {
  CREDENTIALS_INVALID: {
    retryLater: false,
    message: 'The institution rejected the credentials; ask the end user to re-enter them.',
  },
  CREDENTIALS_REQUIRED: {
    retryLater: false,
    message: 'The connection is missing credentials; ask the end user to enter them again.',
  },
  LOGIN_PREVENTED: {
    retryLater: false,
    message: 'Too many failed logins; ask the end user for new credentials (PUT the member).',
  },
  MFA_REJECTED: {
    retryLater: false,
    message: 'The answer to the security challenge was wrong; the end user can try again.',
  },
  CHALLENGE_EXPIRED: {
    retryLater: false,
    message: 'The security challenge was not answered in time; start the job again when the end user is present.',
  },
  ACCOUNT_LOCKED: {
    retryLater: false,
    message: 'The institution locked the login; the end user must unlock it at the institution.',
  },
  USER_ACTION_REQUIRED: {
    retryLater: false,
    message: 'The institution needs the end user to act on its own website or app first.',
  },
  NO_ELIGIBLE_ACCOUNTS: { retryLater: false, message: 'The connection has no checking or savings account to verify.' },
  CONNECTION_DISABLED: {
    retryLater: true,
    message: 'MX has paused this connection for now; try again later, without the end user.',
  },
  INSTITUTION_DISCONTINUED: {
    retryLater: false,
    message: 'MX no longer supports this institution; the end user should connect another way.',
  },
  ACCOUNT_CLOSED: { retryLater: false, message: 'The member was closed; it runs no more jobs: connect a new member.' },
  OAUTH_DENIED: {
    retryLater: false,
    message:
      'The end user refused the OAuth consent at the institution; send them to a new OAuth window if they want to connect.',
  },
  OAUTH_PENDING: {
    retryLater: false,
    message: 'The end user has not finished the OAuth window yet; start the job once they have.',
  },
  MEMBER_CHALLENGED: {
    retryLater: false,
    message: 'Another job on the member waits for a challenge answer; answer it, then start this job.',
  },
  NO_ACCOUNT_NUMBERS: {
    retryLater: false,
    message:
      'The verification ended without any account numbers; the end user should verify another way (for example micro-deposits).',
  },
  OAUTH_ABANDONED: {
    retryLater: false,
    message:
      'The end user did not finish signing in at the institution in time; request a new OAuth window (POST …/oauth_window_uri) and send them there if they still want to connect.',
  },
  NOT_SUPPORTED: { retryLater: false, message: 'The institution does not support this kind of job.' },
  NOT_AGGREGATABLE: { retryLater: false, message: 'This member cannot be aggregated (for example, a manual member).' },
  INSTITUTION_UNAVAILABLE: {
    retryLater: true,
    message: 'The institution could not be reached; try again later without the end user.',
  },
  JOB_CONFLICT: {
    retryLater: true,
    message: 'Another MX job kept running on this member; try again when it has finished.',
  },
  MX_ACCESS_DENIED: {
    retryLater: false,
    message: "MX refused mxflow's API credentials (401); the operators must check the MX secret.",
  },
  MX_FORBIDDEN: {
    retryLater: false,
    message:
      "MX refused mxflow access (403) for a reason it did not name; the operators must read MX's message in the logs.",
  },
  MX_IP_NOT_ALLOWED: {
    retryLater: false,
    message:
      "MX refused the address mxflow calls from; the operators must have MX allow-list the stack's MxEgressIps output.",
  },
  MX_FEATURE_NOT_ENABLED: {
    retryLater: false,
    message: "MX has not enabled this kind of job for mxflow's client; the operators must ask MX to enable it.",
  },
  MX_REQUEST_REJECTED: { retryLater: false, message: 'MX refused the request.' },
  MX_UNAVAILABLE: { retryLater: true, message: 'MX kept failing or timing out; try again later.' },
  UNKNOWN_CONNECTION_STATUS: { retryLater: false, message: 'MX reported a connection status mxflow does not know.' },
  TIMED_OUT: { retryLater: true, message: 'The job did not finish within its time limit.' },
  EXECUTION_ABORTED: { retryLater: true, message: 'The job was stopped by an operator before it finished.' },
  CANCELLED: { retryLater: false, message: 'The job was cancelled through the API before it finished.' },
  MEMBER_DELETED: { retryLater: false, message: 'The job was cancelled because its member or user is being deleted.' },
  CHALLENGE_TOO_LARGE: {
    retryLater: true,
    message: 'The institution sent a security challenge too large to show; try again later.',
  },
  INTERNAL_ERROR: { retryLater: true, message: 'mxflow failed unexpectedly; the operators have the details.' },
  // Found by the job reconciler, never by the workflow: operations failures, not the end user's.
  EXECUTION_NOT_STARTED: {
    retryLater: true,
    message: 'mxflow recorded the job but its workflow never started; start the job again.',
  },
  EXECUTION_OUTCOME_LOST: {
    retryLater: true,
    message: "The job's workflow ended without recording how; start the job again.",
  },
} as const satisfies Record<string, { retryLater: boolean; message: string }>;

export type FailureReason = keyof typeof FAILURE_REASONS;

import { withArticle } from '#shared/api/wording.js';
import type { JobType } from '#shared/contract/workflow.js';
import { OAUTH_RENEWABLE_STATUSES } from '#shared/mx/connection-statuses.js';

/** A running job, as a refusal names it. */
interface RunningJob {
  readonly type: JobType | string;
  readonly guid: string;
}

const NEW_KEY = 'send a new key for a new request';

/**
 * Every error code the API answers `{error: {code, message, field?}}` with, its HTTP status and
 * its message (a template where the message names something). `ApiError` is built from here and
 * the OpenAPI document's `ErrorBody.code` enumerates these keys: a new refusal starts here.
 */
export const API_ERROR = {
  // ── the request itself ───────────────────────────────────────────────────────────────────
  INVALID_PARAMETER: { status: 400, message: (problem: string) => problem },
  VALIDATION_FAILED: { status: 400, message: (problem: string) => problem },
  BODY_REQUIRED: { status: 400, message: 'this request needs a JSON body' },
  INVALID_JSON: { status: 400, message: 'the body is not valid JSON' },
  INVALID_CURSOR: { status: 400, message: 'cursor is not one this list gave out' },
  SYNC_CURSOR_EXPIRED: {
    status: 410,
    message:
      'the changes since this cursor are no longer kept (it is older than 30 days, or the transactions were copied again whole): read the list from the start and keep its sync_cursor',
  },
  BODY_TOO_LARGE: { status: 413, message: (maxBytes: number) => `the body is larger than ${maxBytes} bytes` },
  BODY_INCOMPLETE: { status: 400, message: 'the body ended before the bytes its Content-Length announced' },
  URI_TOO_LONG: { status: 414, message: (limit: string) => `the request URI is too long: ${limit}` },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'send the body as JSON with Content-Type: application/json' },
  /** A thing not found ('member'), or a message of its own (MX's words, an unknown route). */
  NOT_FOUND: {
    status: 404,
    message: (what: string | { readonly message: string }) =>
      typeof what === 'string' ? `${what} was not found` : what.message,
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    message: (header: string) => `this ${header} was used with another body; ${NEW_KEY}`,
  },
  IDEMPOTENCY_IN_PROGRESS: {
    status: 409,
    message: (header: string) => `a request with this ${header} is still running; retry when it has answered`,
  },

  // ── the state of users, members and jobs ─────────────────────────────────────────────────
  USER_DISABLED: {
    status: 409,
    message: 'the user is disabled at MX (is_disabled): enable it before connecting members or starting jobs',
  },
  MEMBER_EXISTS: { status: 409, message: 'this user already has a member at this institution with these credentials' },
  MEMBER_LIMIT_REACHED: {
    status: 409,
    message: ({ members, limit }: { members: number; limit: number }) =>
      `the user already has ${members} members; MX allows at most ${limit} per user, so delete one first`,
  },
  JOB_RUNNING: {
    status: 409,
    message: ({ running, advice }: { running?: RunningJob; advice: string }) =>
      running
        ? `${withArticle(`${running.type} job`)} (${running.guid}) is running on this member; ${advice}`
        : `another job is starting on this member; ${advice}`,
  },
  JOB_ENDED: {
    status: 409,
    message: (status: string) => `the job already ended ${status}; there is nothing to cancel`,
  },
  MEMBER_NOT_OAUTH: {
    status: 409,
    message:
      'the member is not an OAuth member: it re-authenticates with new credentials (PUT …/members/{member_guid})',
  },
  MEMBER_NOT_WAITING_FOR_OAUTH: {
    status: 409,
    message: (status: string) =>
      `the member is ${status}: a new OAuth window is issued only to a member waiting for one (${OAUTH_RENEWABLE_STATUSES.join(', ')})`,
  },
  MEMBER_BEING_DELETED: {
    status: 409,
    message: (deletionGuid: string) => `the member is being deleted (deletion ${deletionGuid})`,
  },
  USER_BEING_DELETED: {
    status: 409,
    message: (deletionGuid: string) => `the user is being deleted (deletion ${deletionGuid})`,
  },
  ALREADY_ANSWERED: { status: 409, message: 'these challenges were answered a moment ago; the job has resumed' },
  CHALLENGE_EXPIRED: {
    status: 409,
    message: (waitMinutes: number) =>
      `the challenge waited longer than ${waitMinutes} minutes for its answer; start a new job`,
  },
  JOB_NOT_CHALLENGED: {
    status: 409,
    message: (status: string | undefined) =>
      status === undefined
        ? 'the job no longer waits for an answer'
        : `the job is ${status}, not waiting for an answer`,
  },

  // ── job start refusals: the startability table (shared/jobs/classify-connection.ts) says why ──
  MEMBER_NEEDS_CREDENTIALS: { status: 409, message: (why: string) => why },
  MEMBER_OAUTH_DENIED: { status: 409, message: (why: string) => why },
  MEMBER_MFA_REJECTED: { status: 409, message: (why: string) => why },
  MEMBER_LOCKED: { status: 409, message: (why: string) => why },
  MEMBER_DISABLED: { status: 409, message: (why: string) => why },
  MEMBER_DISCONTINUED: { status: 409, message: (why: string) => why },
  MEMBER_CLOSED: { status: 409, message: (why: string) => why },
  MEMBER_CHALLENGED: { status: 409, message: (why: string) => why },
  MEMBER_BEING_AGGREGATED: { status: 409, message: (why: string) => why },
  MEMBER_NOT_AGGREGATABLE: { status: 409, message: (why: string) => why },
  MEMBER_PENDING_OAUTH: { status: 409, message: (why: string) => why },
  MEMBER_NOT_STARTABLE: { status: 409, message: (why: string) => why },

  // ── MX's refusals (shared/api/mx-errors.ts maps each MX error to one of these) ──────────────
  MX_BAD_REQUEST: { status: 400, message: (detail: string) => detail },
  MX_NOT_ALLOWED: { status: 409, message: (detail: string) => detail },
  MX_CONFLICT: { status: 409, message: (detail: string) => detail },
  MX_UNPROCESSABLE: { status: 422, message: (detail: string) => detail },
  MX_UNAVAILABLE: { status: 502, message: (detail: string) => detail },
  MX_ACCESS_DENIED: { status: 502, message: (detail: string) => detail },
  MX_FORBIDDEN: { status: 502, message: (detail: string) => detail },
  MX_IP_NOT_ALLOWED: { status: 502, message: (detail: string) => detail },
  MX_FEATURE_NOT_ENABLED: { status: 502, message: (detail: string) => detail },
  MX_RATE_LIMITED: { status: 503, message: (detail: string) => detail },
  MX_TIMEOUT: { status: 504, message: (detail: string) => detail },

  // ── mxflow itself, and the gateway in front of it ────────────────────────────────────────
  /** MX's webhook route only: every other route is signed (SigV4) and refused by the gateway. */
  UNAUTHORIZED: { status: 401, message: 'send the HTTP Basic credentials set for MX webhooks' },
  INTERNAL_ERROR: { status: 500, message: 'mxflow failed; the operators have the details' },
  STORE_BUSY: { status: 503, message: "mxflow's table is throttling requests; try again in a few seconds" },
  METHOD_NOT_ALLOWED: { status: 405, message: (allowed: readonly string[]) => `use ${allowed.join(' or ')}` },
  ACCESS_DENIED: { status: 403, message: 'the request signature does not allow this' },
  INVALID_SIGNATURE: {
    status: 403,
    message: 'the request signature does not match its credentials, or has expired: sign it with SigV4 for execute-api',
  },
  THROTTLED: { status: 429, message: 'too many requests; try again shortly' },
  BAD_GATEWAY: { status: 502, message: 'the function failed' },
  GATEWAY_ERROR: { status: 500, message: 'the API failed to answer' },
} as const satisfies Record<string, { status: number; message: string | ((input: never) => string) }>;

export type ApiErrorCode = keyof typeof API_ERROR;
export const API_ERROR_CODES = Object.keys(API_ERROR) as [ApiErrorCode, ...ApiErrorCode[]];

/** What a code's message template takes; nothing for a fixed message. */
export type ApiErrorInput<C extends ApiErrorCode> = (typeof API_ERROR)[C]['message'] extends (input: infer I) => string
  ? I
  : undefined;

/** The codes MX's errors become. */
export type MxApiErrorCode = Extract<ApiErrorCode, `MX_${string}`> | 'NOT_FOUND';

/** The codes a job start refused by the startability table answers. */
export type StartRefusalCode = Exclude<
  Extract<ApiErrorCode, `MEMBER_${string}`>,
  | 'MEMBER_EXISTS'
  | 'MEMBER_LIMIT_REACHED'
  | 'MEMBER_BEING_DELETED'
  | 'MEMBER_NOT_OAUTH'
  | 'MEMBER_NOT_WAITING_FOR_OAUTH'
>;

/** The message of a code, its template filled in. */
export function apiErrorMessage<C extends ApiErrorCode>(code: C, input: ApiErrorInput<C>): string {
  const { message } = API_ERROR[code];
  return typeof message === 'string' ? message : (message as (input: ApiErrorInput<C>) => string)(input);
}

import { API_ERROR, type MxApiErrorCode } from '#shared/contract/api-errors.js';
import type { MxError, MxErrorCode } from '#shared/mx/index.js';
import { ApiError } from './api-error.js';

/**
 * How MX's refusals reach the caller: its own mistakes as 4xx, MX's troubles as 5xx (each
 * code's status is the catalogue's; `status` here only says which side the refusal is on).
 */
const MAPPING: Record<MxErrorCode, { status: number; code: MxApiErrorCode; message: string }> = {
  MX_BAD_REQUEST: { status: 400, code: 'MX_BAD_REQUEST', message: 'MX refused the request' },
  MX_INVALID_REQUEST: { status: 400, code: 'MX_BAD_REQUEST', message: 'the request cannot be sent to MX' },
  MX_NOT_FOUND: { status: 404, code: 'NOT_FOUND', message: 'MX does not know this resource' },
  MX_NOT_ALLOWED: {
    status: 409,
    code: 'MX_NOT_ALLOWED',
    message: "MX does not allow this in the member's current state",
  },
  MX_CONFLICT: { status: 409, code: 'MX_CONFLICT', message: 'MX reports a conflict' },
  MX_UNPROCESSABLE: { status: 422, code: 'MX_UNPROCESSABLE', message: 'MX could not process the request' },
  MX_NOT_ACCEPTABLE: { status: 502, code: 'MX_UNAVAILABLE', message: 'MX answered in a way mxflow cannot use' },
  MX_UNAUTHORIZED: { status: 502, code: 'MX_ACCESS_DENIED', message: "MX refused mxflow's API credentials" },
  MX_FORBIDDEN: {
    status: 502,
    code: 'MX_FORBIDDEN',
    message: "MX refused mxflow access (403); the operators must read MX's message in the logs",
  },
  MX_IP_NOT_ALLOWED: {
    status: 502,
    code: 'MX_IP_NOT_ALLOWED',
    message:
      "MX refused the address mxflow calls from; the operators must allow-list the stack's MxEgressIps output at MX",
  },
  MX_FEATURE_NOT_ENABLED: {
    status: 502,
    code: 'MX_FEATURE_NOT_ENABLED',
    message: 'MX has not enabled this feature for this client',
  },
  MX_RATE_LIMITED: { status: 503, code: 'MX_RATE_LIMITED', message: 'MX is rate limiting; try again shortly' },
  MX_SERVER_ERROR: { status: 502, code: 'MX_UNAVAILABLE', message: 'MX failed; try again shortly' },
  MX_UNEXPECTED_STATUS: { status: 502, code: 'MX_UNAVAILABLE', message: 'MX answered unexpectedly' },
  MX_INVALID_RESPONSE: {
    status: 502,
    code: 'MX_UNAVAILABLE',
    message: 'MX answered with something that is not its API',
  },
  MX_NETWORK: { status: 502, code: 'MX_UNAVAILABLE', message: 'MX could not be reached; try again shortly' },
  MX_TIMEOUT: { status: 504, code: 'MX_TIMEOUT', message: 'MX did not answer in time; try again shortly' },
};

/** What each MX operation is, in the words an operator asks MX to enable. */
const FEATURE_OF_OPERATION: Readonly<Record<string, string>> = {
  verifyMember: 'account verification',
  identifyMember: 'account owner identification',
  aggregateMember: 'aggregation',
  requestWidgetUrl: 'the Connect widget',
  requestConnectWidgetUrl: 'the Connect widget',
};

type FieldRule = readonly [words: RegExp, field: string];

/**
 * The fields of what the caller sent, by the MX call they went into, and the words MX's message
 * names each by (MX's error body has only a message): a 4xx about one of them names it in
 * `error.field`. First match wins, so the more particular words come first.
 */
const FIELDS_OF_OPERATION: Readonly<Record<string, readonly FieldRule[]>> = {
  createUser: [
    [/\bemail\b/i, 'user.email'],
    [/\bmetadata\b/i, 'user.metadata'],
    [/\b(id|identifier)\b/i, 'user.id'],
  ],
  createMember: [
    [/credential/i, 'member.credentials'],
    [/\b(is_)?oauth\b/i, 'member.is_oauth'],
    [/redirect/i, 'client_redirect_url'],
    [/institution/i, 'member.institution_code'],
    [/\bmetadata\b/i, 'member.metadata'],
    [/\b(id|identifier)\b/i, 'member.id'],
  ],
  updateMember: [[/credential/i, 'member.credentials']],
  resumeMember: [[/challenge/i, 'challenges']],
  listInstitutionCredentials: [[/institution/i, 'institution_code']],
  requestWidgetUrl: [
    [/redirect/i, 'widget_url.client_redirect_url'],
    [/url[_ ]scheme|webview/i, 'widget_url.ui_message_webview_url_scheme'],
    [/institution/i, 'widget_url.current_institution_code'],
    [/member_guid|\bmember\b|\bMBR-/i, 'widget_url.current_member_guid'],
    [/\bmode\b/i, 'widget_url.mode'],
  ],
};

/** The field of the caller's request MX's refusal is about, when its message names one. */
function fieldOf(error: MxError): string | undefined {
  if (!error.mxMessage) return undefined;
  const message = error.mxMessage;
  return FIELDS_OF_OPERATION[error.operation]?.find(([words]) => words.test(message))?.[1];
}

export function apiErrorForMx(error: MxError): ApiError {
  const mapped = MAPPING[error.code];
  const { code } = mapped;
  const { status } = API_ERROR[code];
  const message =
    error.code === 'MX_FEATURE_NOT_ENABLED'
      ? `MX has not enabled ${FEATURE_OF_OPERATION[error.operation] ?? error.operation} for this client; the operators must ask MX to enable it`
      : mapped.message;
  // MX's own words help a caller fix a 4xx; the client has already cut any secret out of them.
  const detail = status < 500 && error.mxMessage ? `${message}: ${error.mxMessage}` : message;
  const retryAfter: Record<string, string> =
    error.retryAfterSeconds === undefined
      ? {}
      : { 'Retry-After': String(Math.max(1, Math.ceil(error.retryAfterSeconds))) };
  const options = { headers: retryAfter, ...(status < 500 ? { field: fieldOf(error) } : {}) };
  return code === 'NOT_FOUND' ? new ApiError(code, { message: detail }, options) : new ApiError(code, detail, options);
}

/** Stable machine codes for everything that can go wrong talking to MX. */
export type MxErrorCode =
  | 'MX_BAD_REQUEST'
  | 'MX_UNAUTHORIZED'
  | 'MX_FORBIDDEN'
  | 'MX_IP_NOT_ALLOWED'
  | 'MX_FEATURE_NOT_ENABLED'
  | 'MX_NOT_FOUND'
  | 'MX_NOT_ALLOWED'
  | 'MX_NOT_ACCEPTABLE'
  | 'MX_CONFLICT'
  | 'MX_UNPROCESSABLE'
  | 'MX_RATE_LIMITED'
  | 'MX_SERVER_ERROR'
  | 'MX_UNEXPECTED_STATUS'
  | 'MX_TIMEOUT'
  | 'MX_NETWORK'
  | 'MX_INVALID_RESPONSE'
  | 'MX_INVALID_REQUEST';

const CODE_BY_STATUS: Readonly<Record<number, MxErrorCode>> = {
  400: 'MX_BAD_REQUEST',
  401: 'MX_UNAUTHORIZED',
  403: 'MX_FORBIDDEN',
  404: 'MX_NOT_FOUND',
  405: 'MX_NOT_ALLOWED',
  406: 'MX_NOT_ACCEPTABLE',
  409: 'MX_CONFLICT',
  422: 'MX_UNPROCESSABLE',
  429: 'MX_RATE_LIMITED',
};

/**
 * MX answers 403 both when the call comes from an address not on the client's allow list and
 * when the product asked for is not enabled for the client; only its message tells them apart.
 * The words are matched loosely, as MX publishes no error shape for v20111101.
 */
const IP_REFUSAL =
  /\b(ip|address(es)?)\b.*\b(not|isn't)\b.*\b(allowed|allow[- ]?list(ed)?|white[- ]?list(ed)?|permitted)\b|\b(allow[- ]?list|white[- ]?list)\b/i;
const FEATURE_REFUSAL =
  /\b(feature|product|verification|identification|aggregation|api)\b.*\bnot\b.*\b(enabled|available|activated)\b/i;

export function codeForStatus(status: number, mxMessage?: string): MxErrorCode {
  if (status === 403 && mxMessage) {
    if (IP_REFUSAL.test(mxMessage)) return 'MX_IP_NOT_ALLOWED';
    if (FEATURE_REFUSAL.test(mxMessage)) return 'MX_FEATURE_NOT_ENABLED';
  }
  return CODE_BY_STATUS[status] ?? (status >= 500 ? 'MX_SERVER_ERROR' : 'MX_UNEXPECTED_STATUS');
}

/**
 * MX refused mxflow itself, not the request: wrong credentials, an address off the allow list, a product not
 * enabled.
 */
export const ACCESS_REFUSED_CODES: readonly MxErrorCode[] = [
  'MX_UNAUTHORIZED',
  'MX_IP_NOT_ALLOWED',
  'MX_FEATURE_NOT_ENABLED',
  'MX_FORBIDDEN',
];

/** 429, 5xx, time-outs and dropped connections may succeed when tried again; any other 4xx will not. */
function isRetryable(code: MxErrorCode): boolean {
  return code === 'MX_RATE_LIMITED' || code === 'MX_SERVER_ERROR' || code === 'MX_TIMEOUT' || code === 'MX_NETWORK';
}

export interface MxErrorDetails {
  /** The client operation, e.g. `createMember`. */
  readonly operation: string;
  readonly code: MxErrorCode;
  /** MX's HTTP status, when MX answered at all. */
  readonly status?: number;
  /** MX's own error message, with any secret the request carried removed. */
  readonly mxMessage?: string;
  /** Seconds MX asked us to wait (Retry-After on 429). */
  readonly retryAfterSeconds?: number;
}

/**
 * Every failure of the MX client. The message names the operation, the status and MX's own
 * message; it never holds a request body, so credentials and challenge answers cannot leak
 * through it.
 */
export class MxError extends Error {
  override readonly name = 'MxError';
  readonly operation: string;
  readonly code: MxErrorCode;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly mxMessage: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(details: MxErrorDetails) {
    const answered = details.status === undefined ? details.code : `${details.status} ${details.code}`;
    super(`MX ${details.operation} failed: ${answered}${details.mxMessage ? ` (${details.mxMessage})` : ''}`);
    this.operation = details.operation;
    this.code = details.code;
    this.status = details.status;
    this.retryable = isRetryable(details.code);
    this.mxMessage = details.mxMessage;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }

  /** The shape that goes into logs and state machine error causes: no stack, no request. */
  toJSON(): MxErrorDetails & { retryable: boolean; message: string } {
    return {
      message: this.message,
      operation: this.operation,
      code: this.code,
      retryable: this.retryable,
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(this.mxMessage === undefined ? {} : { mxMessage: this.mxMessage }),
      ...(this.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: this.retryAfterSeconds }),
    };
  }
}

export function isMxError(error: unknown): error is MxError {
  return error instanceof MxError;
}

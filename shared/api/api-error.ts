import { API_ERROR, type ApiErrorCode, type ApiErrorInput, apiErrorMessage } from '#shared/contract/api-errors.js';

interface ApiErrorOptions {
  /** The parameter, header or body field the refusal is about. */
  readonly field?: string | undefined;
  readonly headers?: Record<string, string>;
}

type ApiErrorArgs<C extends ApiErrorCode> =
  ApiErrorInput<C> extends undefined
    ? [input?: undefined, options?: ApiErrorOptions]
    : [input: ApiErrorInput<C>, options?: ApiErrorOptions];

/**
 * A refusal the API answers with `{error: {code, message, field?}}`: its status and message come
 * from the code's entry in the API_ERROR catalogue, its template filled with `input`.
 */
export class ApiError<C extends ApiErrorCode = ApiErrorCode> extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly field: string | undefined;
  readonly headers: Record<string, string>;

  constructor(
    readonly code: C,
    ...[input, options]: ApiErrorArgs<C>
  ) {
    super(apiErrorMessage(code, input as ApiErrorInput<C>));
    this.status = API_ERROR[code].status;
    this.field = options?.field;
    this.headers = options?.headers ?? {};
  }

  toBody(): { error: { code: ApiErrorCode; message: string; field?: string } } {
    return { error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) } };
  }
}

export const notFound = (what: string, field?: string) => new ApiError('NOT_FOUND', what, { field });

/** MX restricts a disabled user (`is_disabled`): no member creation, no job start. */
export const userDisabled = () => new ApiError('USER_DISABLED', undefined, { field: 'user_guid' });

/** A refusal the API answers with `{error: {code, message, field?}}` and a 4xx (or 5xx from MX). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(): { error: { code: string; message: string; field?: string } } {
    return { error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) } };
  }
}

export const notFound = (what: string, field?: string) => new ApiError(404, 'NOT_FOUND', `${what} was not found`, field);

/** MX restricts a disabled user (`is_disabled`): no member creation, no job start. */
export const userDisabled = () =>
  new ApiError(409, 'USER_DISABLED', 'the user is disabled at MX (is_disabled): enable it before connecting members or starting jobs', 'user_guid');

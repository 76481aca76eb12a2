import { describe, expect, it } from 'vitest';
import { asWorkflowError, reasonForCaughtError, reasonForMxError } from '#shared/jobs/workflow-errors.js';
import { codeForStatus, MxError } from '#shared/mx/index.js';

const refusal = (status: number, mxMessage?: string) =>
  new MxError({
    operation: 'verifyMember',
    status,
    code: codeForStatus(status, mxMessage),
    ...(mxMessage ? { mxMessage } : {}),
  });

describe('MX refusing mxflow, told apart', () => {
  it.each([
    [401, 'invalid credentials', 'MX_UNAUTHORIZED', 'MX_ACCESS_DENIED'],
    [
      403,
      'The request came from an IP address that is not on the allow list for this client',
      'MX_IP_NOT_ALLOWED',
      'MX_IP_NOT_ALLOWED',
    ],
    [403, 'IP address not whitelisted', 'MX_IP_NOT_ALLOWED', 'MX_IP_NOT_ALLOWED'],
    [403, 'Account verification is not enabled for this client', 'MX_FEATURE_NOT_ENABLED', 'MX_FEATURE_NOT_ENABLED'],
    [403, 'This feature is not enabled', 'MX_FEATURE_NOT_ENABLED', 'MX_FEATURE_NOT_ENABLED'],
    [403, 'Forbidden', 'MX_FORBIDDEN', 'MX_FORBIDDEN'],
    [403, undefined, 'MX_FORBIDDEN', 'MX_FORBIDDEN'],
  ])('a %i saying "%s" is %s and ends the job %s', (status, message, code, reason) => {
    const error = refusal(status, message);

    expect(error.code).toBe(code);
    expect(reasonForMxError(error, 'verify')).toBe(reason);
    expect(reasonForCaughtError((asWorkflowError(error) as Error).name)).toBe(reason);
  });
});

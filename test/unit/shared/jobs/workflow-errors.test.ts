import { describe, expect, it } from 'vitest';
import {
  AWS_TRANSIENT_ERRORS,
  LAMBDA_TRANSIENT_ERRORS,
  reasonForCaughtError,
  WORKFLOW_ERRORS,
} from '#shared/jobs/workflow-errors.js';

describe('reasonForCaughtError', () => {
  it('ends a job INTERNAL_ERROR, the reason that pages, when AWS kept throttling after every retry', () => {
    const reasons = [...LAMBDA_TRANSIENT_ERRORS, ...AWS_TRANSIENT_ERRORS].map(reasonForCaughtError);

    expect(new Set(reasons)).toEqual(new Set(['INTERNAL_ERROR']));
  });

  it('keeps MX’s own faults apart from AWS’s: retried by their own rule, ended MX_UNAVAILABLE', () => {
    const transient: readonly string[] = [...LAMBDA_TRANSIENT_ERRORS, ...AWS_TRANSIENT_ERRORS];

    expect(transient).not.toContain(WORKFLOW_ERRORS.mxTransient);
    expect(reasonForCaughtError(WORKFLOW_ERRORS.mxTransient)).toBe('MX_UNAVAILABLE');
    expect(reasonForCaughtError('States.Timeout')).toBe('CHALLENGE_EXPIRED');
  });

  it('ends a job whose challenge round no item could hold CHALLENGE_TOO_LARGE, not INTERNAL_ERROR', () => {
    expect(reasonForCaughtError('ChallengesTooLarge')).toBe('CHALLENGE_TOO_LARGE');
  });
});

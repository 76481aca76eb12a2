import { describe, expect, it } from 'vitest';
import { CONNECTION_STATUSES, classifyConnection } from '../../../shared/jobs/classify-connection.js';
import { FAILURE_REASONS } from '../../../shared/jobs/failure-reasons.js';
import { JOB_TYPES } from '../../../shared/jobs/job-types.js';

/** Expected step for every MX connection_status once the job is no longer aggregating. */
const SETTLED: Record<(typeof CONNECTION_STATUSES)[number], string> = {
  CREATED: 'WAIT',
  PREVENTED: 'FAIL:LOGIN_PREVENTED',
  DENIED: 'FAIL:CREDENTIALS_INVALID',
  CHALLENGED: 'AWAIT_CHALLENGE_ANSWER',
  REJECTED: 'FAIL:MFA_REJECTED',
  LOCKED: 'FAIL:ACCOUNT_LOCKED',
  CONNECTED: 'FETCH_RESULTS',
  IMPEDED: 'FAIL:USER_ACTION_REQUIRED',
  RECONNECTED: 'WAIT',
  DEGRADED: 'FAIL:INSTITUTION_UNAVAILABLE',
  DISCONNECTED: 'FAIL:INSTITUTION_UNAVAILABLE',
  DISCONTINUED: 'FAIL:INSTITUTION_DISCONTINUED',
  CLOSED: 'FAIL:ACCOUNT_CLOSED',
  DELAYED: 'WAIT',
  FAILED: 'FAIL:INSTITUTION_UNAVAILABLE',
  UPDATED: 'WAIT',
  DISABLED: 'FAIL:CONNECTION_DISABLED',
  IMPORTED: 'FAIL:CREDENTIALS_REQUIRED',
  RESUMED: 'WAIT',
  EXPIRED: 'FAIL:CHALLENGE_EXPIRED',
  IMPAIRED: 'FAIL:CREDENTIALS_REQUIRED',
  PENDING: 'AWAIT_OAUTH',
};

const describeStep = (step: ReturnType<typeof classifyConnection>) => (step.next === 'FAIL' ? `FAIL:${step.reason}` : step.next);

describe('classifyConnection', () => {
  it.each(JOB_TYPES.flatMap((type) => CONNECTION_STATUSES.map((status) => [status, type] as const)))(
    'decides %s for a settled %s job',
    (status, type) => {
      const expected = type === 'verify' && status === 'IMPEDED' ? 'FAIL:NO_ELIGIBLE_ACCOUNTS' : SETTLED[status];

      const step = classifyConnection({ connection_status: status, is_being_aggregated: false }, type);

      expect(describeStep(step)).toBe(expected);
    },
  );

  it.each(CONNECTION_STATUSES.filter((s) => s !== 'CHALLENGED' && s !== 'PENDING'))(
    'keeps polling on %s while MX is still aggregating, deciding nothing early',
    (status) => {
      const step = classifyConnection({ connection_status: status, is_being_aggregated: true }, 'aggregate');

      expect(step).toEqual({ next: 'WAIT' });
    },
  );

  it('parks for the end user on CHALLENGED and PENDING even while aggregating', () => {
    expect(classifyConnection({ connection_status: 'CHALLENGED', is_being_aggregated: true }, 'verify')).toEqual({ next: 'AWAIT_CHALLENGE_ANSWER' });
    expect(classifyConnection({ connection_status: 'PENDING', is_being_aggregated: false }, 'aggregate')).toEqual({ next: 'AWAIT_OAUTH' });
  });

  it('fails a member without a connection status (a manual member) instead of polling it for ever', () => {
    expect(classifyConnection({ connection_status: null, is_being_aggregated: false }, 'aggregate')).toEqual({ next: 'FAIL', reason: 'NOT_AGGREGATABLE' });
  });

  it('fails on a status MX may add later rather than guessing', () => {
    expect(classifyConnection({ connection_status: 'TELEPORTED', is_being_aggregated: false }, 'identify')).toEqual({
      next: 'FAIL',
      reason: 'UNKNOWN_CONNECTION_STATUS',
    });
  });

  it('gives every failure an explanation for the end user', () => {
    const reasons = CONNECTION_STATUSES.flatMap((status) => {
      const step = classifyConnection({ connection_status: status, is_being_aggregated: false }, 'verify');
      return step.next === 'FAIL' ? [step.reason] : [];
    });

    expect(reasons.every((reason) => FAILURE_REASONS[reason].message.length > 0)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { JOB_TYPES } from '#shared/contract/workflow.js';
import {
  CONNECTION_STATUSES,
  classifyConnection,
  STARTABLE_STATUSES,
  startability,
} from '#shared/jobs/classify-connection.js';
import { FAILURE_REASONS } from '#shared/jobs/failure-reasons.js';

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

const describeStep = (step: ReturnType<typeof classifyConnection>) =>
  step.next === 'FAIL' ? `FAIL:${step.reason}` : step.next;

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
    expect(classifyConnection({ connection_status: 'CHALLENGED', is_being_aggregated: true }, 'verify')).toEqual({
      next: 'AWAIT_CHALLENGE_ANSWER',
    });
    expect(classifyConnection({ connection_status: 'PENDING', is_being_aggregated: false }, 'aggregate')).toEqual({
      next: 'AWAIT_OAUTH',
    });
  });

  it('fails a member without a connection status (a manual member) instead of polling it for ever', () => {
    expect(classifyConnection({ connection_status: null, is_being_aggregated: false }, 'aggregate')).toEqual({
      next: 'FAIL',
      reason: 'NOT_AGGREGATABLE',
    });
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

/** What each status answers a start on an idle member: startable, or the API's code and the job's reason. */
const START: Record<(typeof CONNECTION_STATUSES)[number], string> = {
  CREATED: 'START',
  PREVENTED: 'MEMBER_NEEDS_CREDENTIALS:LOGIN_PREVENTED',
  DENIED: 'MEMBER_NEEDS_CREDENTIALS:CREDENTIALS_INVALID',
  CHALLENGED: 'MEMBER_CHALLENGED:MEMBER_CHALLENGED',
  REJECTED: 'MEMBER_MFA_REJECTED:MFA_REJECTED',
  LOCKED: 'MEMBER_LOCKED:ACCOUNT_LOCKED',
  CONNECTED: 'START',
  IMPEDED: 'START',
  RECONNECTED: 'START',
  DEGRADED: 'START',
  DISCONNECTED: 'START',
  DISCONTINUED: 'MEMBER_DISCONTINUED:INSTITUTION_DISCONTINUED',
  CLOSED: 'MEMBER_CLOSED:ACCOUNT_CLOSED',
  DELAYED: 'MEMBER_BEING_AGGREGATED:JOB_CONFLICT',
  FAILED: 'START',
  UPDATED: 'START',
  DISABLED: 'MEMBER_DISABLED:CONNECTION_DISABLED',
  IMPORTED: 'MEMBER_NEEDS_CREDENTIALS:CREDENTIALS_REQUIRED',
  RESUMED: 'MEMBER_BEING_AGGREGATED:JOB_CONFLICT',
  EXPIRED: 'START',
  IMPAIRED: 'MEMBER_NEEDS_CREDENTIALS:CREDENTIALS_REQUIRED',
  PENDING: 'MEMBER_PENDING_OAUTH:OAUTH_PENDING',
};

const describeStart = (start: ReturnType<typeof startability>) =>
  start.startable ? 'START' : `${start.code}:${start.reason}`;

describe('startability', () => {
  it.each(JOB_TYPES.flatMap((type) => CONNECTION_STATUSES.map((status) => [status, type] as const)))(
    'answers a %s start of %s on a member MX is not aggregating',
    (status, type) => {
      const start = startability({ connection_status: status, is_being_aggregated: false }, type);

      expect(describeStart(start)).toBe(START[status]);
      if (!start.startable) expect(start.message).toContain(status);
    },
  );

  it('starts from exactly the nine statuses of MX’s guides', () => {
    expect([...STARTABLE_STATUSES].sort()).toEqual([
      'CONNECTED',
      'CREATED',
      'DEGRADED',
      'DISCONNECTED',
      'EXPIRED',
      'FAILED',
      'IMPEDED',
      'RECONNECTED',
      'UPDATED',
    ]);
    expect(CONNECTION_STATUSES.filter((s) => START[s] === 'START')).toEqual(
      expect.arrayContaining([...STARTABLE_STATUSES]),
    );
  });

  it('refuses a member without a connection status (a manual member) with MEMBER_NOT_AGGREGATABLE', () => {
    expect(startability({ connection_status: null, is_being_aggregated: false }, 'verify')).toMatchObject({
      startable: false,
      code: 'MEMBER_NOT_AGGREGATABLE',
      reason: 'NOT_AGGREGATABLE',
    });
  });

  it('tells the caller what to do next in every refusal, naming no field', () => {
    for (const status of CONNECTION_STATUSES) {
      const start = startability({ connection_status: status, is_being_aggregated: false }, 'identify');
      if (start.startable) continue;
      expect(start.message).toMatch(/:/);
      expect(start).not.toHaveProperty('field');
      expect(FAILURE_REASONS[start.reason].message.length).toBeGreaterThan(0);
    }
  });

  it('attaches an aggregate to an aggregation MX runs, but refuses another job type with MEMBER_BEING_AGGREGATED naming observe', () => {
    const busy = { connection_status: 'CONNECTED', is_being_aggregated: true };

    expect(startability(busy, 'aggregate')).toEqual({ startable: true });
    expect(startability(busy, 'verify')).toMatchObject({
      startable: false,
      code: 'MEMBER_BEING_AGGREGATED',
      message: expect.stringContaining('observe: true'),
    });
    expect(startability({ connection_status: 'CHALLENGED', is_being_aggregated: true }, 'aggregate')).toMatchObject({
      code: 'MEMBER_CHALLENGED',
    });
  });

  it('reads an OAuth member’s DENIED as refused consent', () => {
    expect(
      startability({ connection_status: 'DENIED', is_being_aggregated: false }, 'verify', { isOauth: true }),
    ).toMatchObject({ code: 'MEMBER_OAUTH_DENIED', reason: 'OAUTH_DENIED' });
    expect(
      classifyConnection({ connection_status: 'DENIED', is_being_aggregated: false }, 'verify', { isOauth: true }),
    ).toEqual({ next: 'FAIL', reason: 'OAUTH_DENIED' });
  });
});

describe('what each failure means for the end user', () => {
  it('a PREVENTED job tells the end user to send new credentials', () => {
    expect(FAILURE_REASONS.LOGIN_PREVENTED).toMatchObject({
      retryLater: false,
      message: expect.stringContaining('new credentials'),
    });
  });

  it('a DISABLED job is retried later, with no end-user action', () => {
    expect(FAILURE_REASONS.CONNECTION_DISABLED).toMatchObject({
      retryLater: true,
      message: expect.stringContaining('without the end user'),
    });
  });

  it('a CLOSED job says the member was closed', () => {
    expect(FAILURE_REASONS.ACCOUNT_CLOSED.message).toMatch(/member was closed/);
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_POLL_SCHEDULE, nextWaitSeconds } from '../../../shared/jobs/poll-schedule.js';

describe('nextWaitSeconds', () => {
  it('waits MX’s 3-second floor while a job is young', () => {
    const waits = [0, 1, 10, 40].map((polls) => nextWaitSeconds(polls, DEFAULT_POLL_SCHEDULE));

    expect(waits).toEqual([3, 3, 3, 3]);
  });

  it('backs off on long jobs up to the ceiling', () => {
    const waits = [41, 42, 43, 45, 60, 300].map((polls) => nextWaitSeconds(polls, DEFAULT_POLL_SCHEDULE));

    expect(waits).toEqual([5, 7, 11, 23, 30, 30]);
  });

  it('never goes under the floor, whatever the settings say', () => {
    const reckless = { ...DEFAULT_POLL_SCHEDULE, intervalSeconds: 0.5, backoffRate: 0.1, maxIntervalSeconds: 1 };

    expect([0, 50, 500].map((polls) => nextWaitSeconds(polls, reckless))).toEqual([3, 3, 3]);
  });

  it('keeps a constant interval when backoff is off', () => {
    const steady = { ...DEFAULT_POLL_SCHEDULE, intervalSeconds: 4, backoffRate: 1 };

    expect([0, 100, 1000].map((polls) => nextWaitSeconds(polls, steady))).toEqual([4, 4, 4]);
  });
});

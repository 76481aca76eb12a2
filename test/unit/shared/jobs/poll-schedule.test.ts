import { describe, expect, it } from 'vitest';
import { DEFAULT_POLL_SCHEDULE, nextWaitSeconds, waitAfterRateLimit } from '#shared/jobs/poll-schedule.js';

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

describe('waitAfterRateLimit', () => {
  const lowest = () => 0;
  const highest = () => 0.999_999;

  it('waits at least as long as MX’s Retry-After asked, never under the 3-second floor', () => {
    expect(waitAfterRateLimit(10, lowest)).toBe(10);
    expect(waitAfterRateLimit(1, lowest)).toBe(3);
    expect(waitAfterRateLimit(undefined, lowest)).toBe(3);
    expect(waitAfterRateLimit(2.2, lowest, 1)).toBe(3);
    expect(waitAfterRateLimit(7.2, lowest)).toBe(8);
  });

  it('adds jitter only above the floor: up to half the base, at least 2 s', () => {
    expect(waitAfterRateLimit(10, highest)).toBe(15);
    expect(waitAfterRateLimit(undefined, highest)).toBe(5);
    expect(waitAfterRateLimit(10, () => 0.5)).toBe(13);
  });

  it('spreads jobs limited together over several whole seconds', () => {
    const draws = Array.from({ length: 50 }, (_, i) => waitAfterRateLimit(10, () => i / 50));

    expect(Math.min(...draws)).toBe(10);
    expect(new Set(draws).size).toBe(6);
  });

  it('doubles the base on each wait in a row, up to a minute unless MX asks for more', () => {
    const bases = [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => waitAfterRateLimit(undefined, lowest, attempt));

    expect(bases).toEqual([3, 6, 12, 24, 48, 60, 60, 60]);
    expect(waitAfterRateLimit(120, lowest, 8)).toBe(120);
    expect(waitAfterRateLimit(10, lowest, 3)).toBe(12);
  });
});

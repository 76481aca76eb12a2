import { describe, expect, it } from 'vitest';
import {
  assertTimeBudgetFits,
  DEFAULT_JOB_TIME_BUDGET,
  jobTimeLimits,
  MIN_POLLS,
  pollCap,
  pollingSeconds,
} from '#shared/contract/time-budget.js';
import { DEFAULT_POLL_SCHEDULE } from '#shared/jobs/poll-schedule.js';

const otherWaits = (budget = DEFAULT_JOB_TIME_BUDGET) =>
  budget.maxChallengeRounds * budget.challengeTimeoutSeconds + budget.oauthTimeoutSeconds + budget.fixedTaskSeconds;

describe('the job time budget', () => {
  it('fits by default: 120 status reads, every challenge round and the OAuth wait inside two hours', () => {
    const limits = jobTimeLimits(DEFAULT_JOB_TIME_BUDGET);

    expect(() => assertTimeBudgetFits(DEFAULT_JOB_TIME_BUDGET)).not.toThrow();
    expect(limits).toEqual({
      maxPolls: 120,
      executionTimeoutSeconds: 7_200,
      challengeTimeoutSeconds: 600,
      oauthTimeoutSeconds: 900,
      lockSeconds: 8_100,
    });
    expect(pollingSeconds(limits.maxPolls, DEFAULT_JOB_TIME_BUDGET) + otherWaits()).toBeLessThanOrEqual(7_200);
  });

  it("counts MX webhooks' wait in every read: fewer reads fit, and the largest that fits is the cap", () => {
    const budget = { ...DEFAULT_JOB_TIME_BUDGET, poll: { ...DEFAULT_JOB_TIME_BUDGET.poll, webhookWaitSeconds: 20 } };

    const cap = pollCap(budget);

    expect(cap).toBeLessThan(pollCap(DEFAULT_JOB_TIME_BUDGET));
    expect(pollingSeconds(cap, budget) + otherWaits()).toBeLessThanOrEqual(7_200);
    expect(pollingSeconds(cap + 1, budget) + otherWaits()).toBeGreaterThan(7_200);
  });

  it('refuses webhook waits so long that the cap could not hold the reads of a whole OAuth wait', () => {
    const withWait = (webhookWaitSeconds: number) => ({
      ...DEFAULT_JOB_TIME_BUDGET,
      poll: { ...DEFAULT_JOB_TIME_BUDGET.poll, webhookWaitSeconds },
    });

    expect(() => assertTimeBudgetFits(withWait(20))).not.toThrow();
    expect(() => assertTimeBudgetFits(withWait(40))).toThrow(
      /with 40 s webhook waits only \d+ status reads fit, fewer than the \d+ an OAuth wait of 900 s takes/,
    );
  });

  it('derives the largest poll cap that fits: one read more would pass the execution limit', () => {
    const cap = pollCap(DEFAULT_JOB_TIME_BUDGET);

    expect(pollingSeconds(cap + 1, DEFAULT_JOB_TIME_BUDGET) + otherWaits()).toBeGreaterThan(7_200);
  });

  it('refuses the old default, 400 reads in a two-hour execution, saying by how much it is over', () => {
    const oldDefault = { ...DEFAULT_JOB_TIME_BUDGET, maxPolls: 400 };

    expect(() => assertTimeBudgetFits(oldDefault)).toThrow(
      /does not fit: 400 status reads \(11637 s of waits and reads\).* = 16137 s, 8937 s \(149 min\) over the execution limit of 7200 s/,
    );
  });

  it('refuses a challenge wait that leaves too little time to poll, saying how much more it needs', () => {
    const longChallenges = { ...DEFAULT_JOB_TIME_BUDGET, challengeTimeoutSeconds: 1_450 };

    expect(() => assertTimeBudgetFits(longChallenges)).toThrow(
      new RegExp(`only 29 status reads fit .* fewer than ${MIN_POLLS}: it needs \\d+ s \\(\\d+ min\\) more`),
    );
  });

  it('keeps the member locked longer than the execution can run', () => {
    for (const executionLimitSeconds of [3_600, 7_200, 6 * 3_600]) {
      const limits = jobTimeLimits({ ...DEFAULT_JOB_TIME_BUDGET, executionLimitSeconds });

      expect(limits.lockSeconds).toBeGreaterThan(limits.executionTimeoutSeconds);
    }
  });

  it('moves every derived value when the settings change', () => {
    const before = jobTimeLimits(DEFAULT_JOB_TIME_BUDGET);

    const after = jobTimeLimits({
      ...DEFAULT_JOB_TIME_BUDGET,
      executionLimitSeconds: 3 * 3_600,
      challengeTimeoutSeconds: 900,
      oauthTimeoutSeconds: 1_200,
    });

    expect(after.maxPolls).toBeGreaterThan(before.maxPolls);
    expect(after.lockSeconds).toBe(before.lockSeconds + 3_600);
    expect(after.executionTimeoutSeconds).toBe(10_800);
    expect(after.challengeTimeoutSeconds).toBe(900);
    expect(after.oauthTimeoutSeconds).toBe(1_200);
  });

  it('gives the workflow functions’ default schedule the derived poll cap', () => {
    expect(DEFAULT_POLL_SCHEDULE).toMatchObject({
      ...DEFAULT_JOB_TIME_BUDGET.poll,
      maxPolls: pollCap(DEFAULT_JOB_TIME_BUDGET),
      oauthTimeoutSeconds: DEFAULT_JOB_TIME_BUDGET.oauthTimeoutSeconds,
    });
  });
});

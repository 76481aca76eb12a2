import { describe, expect, it } from 'vitest';
import { FaultInjector } from '#local/mx-simulator/faults.js';
import { StatsRecorder } from '#local/mx-simulator/stats.js';

describe('the simulator’s record of what came after each 429', () => {
  it('counts a member’s next request as early when it came sooner than the Retry-After asked', () => {
    const stats = new StatsRecorder();

    stats.recordMemberRequest('MBR-a', 0, 10_000);
    stats.recordMemberRequest('MBR-a', 4_000, null);
    stats.recordMemberRequest('MBR-b', 0, 10_000);
    stats.recordMemberRequest('MBR-b', 12_000, 10_000);
    stats.recordMemberRequest('MBR-b', 25_000, null);
    stats.recordMemberRequest('MBR-c', 1_000, null);

    const { rateLimits } = stats.snapshot(30_000, 1);
    expect(rateLimits).toMatchObject({ limited: 3, early: 1, minGapMs: 4_000 });
    expect(rateLimits.byMember['MBR-a']).toEqual({
      limited: 1,
      early: 1,
      after429: [{ limitedAt: 0, retryAfterMs: 10_000, nextRequestAt: 4_000 }],
    });
    expect(rateLimits.byMember['MBR-b']?.early).toBe(0);
    expect(rateLimits.byMember['MBR-c']).toBeUndefined();
  });

  it('sends Retry-After in whole MX seconds, rounded up', () => {
    const faults = new FaultInjector('seed', { rate429: 1, retryAfterSeconds: 9.2 });

    expect(faults.retryAfter()).toEqual({ header: '10', mxMs: 10_000 });
  });
});

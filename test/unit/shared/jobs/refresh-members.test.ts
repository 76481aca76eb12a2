import { describe, expect, it } from 'vitest';
import { type RefreshMembersDeps, refreshMembers } from '#shared/jobs/refresh-members.js';
import type { DueMember } from '#shared/store/transaction-sync-store.js';

const NOW = new Date('2026-12-05T12:00:00.000Z');
const HOUR_MS = 3_600_000;
const member = (n: number, attempts = 0): DueMember => ({
  memberGuid: `MBR-${n}`,
  userGuid: `USR-${n}`,
  isOauth: false,
  attempts,
});

/** The refresh's deps in memory: what the index says is due, which members are busy, and what was done. */
function fakeRefresh(due: DueMember[], busy: string[] = []) {
  const deferred: { member: string; hours: number }[] = [];
  const started: string[] = [];
  const deps: RefreshMembersDeps = {
    sync: {
      dueForRefresh: async (_now, limit) => due.slice(0, limit),
      deferRefresh: async (memberGuid, until) => {
        deferred.push({ member: memberGuid, hours: (until.getTime() - NOW.getTime()) / HOUR_MS });
      },
    },
    startUnattended: async ({ memberGuid }) => {
      if (busy.includes(memberGuid)) return false;
      started.push(memberGuid);
      return true;
    },
    refreshAfterSeconds: 24 * 3600,
    batchLimit: 2,
    now: () => NOW,
  };
  return { deps, deferred, started };
}

describe('refreshMembers: one run of the scheduled refresh', () => {
  it('starts no more aggregations than its budget, the members due first', async () => {
    const { deps, started } = fakeRefresh([member(1), member(2), member(3)]);

    const outcome = await refreshMembers(deps);

    expect(outcome).toEqual({ due: 2, started: 2, busy: 0 });
    expect(started).toEqual(['MBR-1', 'MBR-2']);
  });

  it('never starts a second job on a busy member, and counts it', async () => {
    const { deps, started } = fakeRefresh([member(1), member(2)], ['MBR-1']);

    const outcome = await refreshMembers(deps);

    expect(outcome).toEqual({ due: 2, started: 1, busy: 1 });
    expect(started).toEqual(['MBR-2']);
  });

  it('defers each member before its start, longer for each attempt that did not commit, at most its refresh age', async () => {
    const { deps, deferred } = fakeRefresh([member(1, 0), member(2, 3), member(3, 9)]);

    await refreshMembers({ ...deps, batchLimit: 3 });

    expect(deferred).toEqual([
      { member: 'MBR-1', hours: 1 },
      { member: 'MBR-2', hours: 8 },
      { member: 'MBR-3', hours: 24 },
    ]);
  });
});

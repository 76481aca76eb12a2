import type { DueMember, TransactionSyncStore } from '#shared/store/transaction-sync-store.js';

/** A member's data is refreshed once it is a day old, unless the stack says otherwise. */
export const DEFAULT_REFRESH_AFTER_SECONDS = 86_400;
/** Aggregations one run of the schedule starts at most: the MX request budget it keeps to. */
export const DEFAULT_REFRESH_BATCH_LIMIT = 20;
/** A member whose refresh did not commit waits longer each time: an hour, two, four … up to its refresh age (an hour at least). */
const RETRY_AFTER_SECONDS = 3_600;

export interface RefreshMembersDeps {
  readonly sync: Pick<TransactionSyncStore, 'dueForRefresh' | 'deferRefresh'>;
  /** Starts an unattended sync (an aggregation that observes MX's own runs); false when the member is busy. */
  startUnattended(member: DueMember): Promise<boolean>;
  readonly refreshAfterSeconds: number;
  readonly batchLimit: number;
  now(): Date;
}

export interface RefreshOutcome {
  readonly due: number;
  readonly started: number;
  /** Members running a job already: never a second one; that job's commit (or the next run) refreshes them. */
  readonly busy: number;
}

/**
 * One run of the scheduled refresh: the members whose data is older than their refresh age, at
 * most `batchLimit` of them, each given an unattended sync of what MX gathered. Each is deferred
 * before its start (by an hour, doubling with each attempt that did not commit, capped at the
 * refresh age or an hour, whichever is longer), so a member that keeps failing, or whose start fails, is not due again at once;
 * its job's commit makes it due a whole refresh age later.
 */
export async function refreshMembers(deps: RefreshMembersDeps): Promise<RefreshOutcome> {
  const now = deps.now();
  const due = await deps.sync.dueForRefresh(now, deps.batchLimit);
  let started = 0;
  for (const member of due) {
    const cap = Math.max(deps.refreshAfterSeconds, RETRY_AFTER_SECONDS);
    const wait = Math.min(cap, RETRY_AFTER_SECONDS * 2 ** member.attempts);
    await deps.sync.deferRefresh(member.memberGuid, new Date(now.getTime() + wait * 1000));
    if (await deps.startUnattended(member)) started += 1;
  }
  return { due: due.length, started, busy: due.length - started };
}

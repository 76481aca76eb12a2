// Keeping a member's transactions current: the first aggregation copies them whole, later ones
// sync MX's changes; the fintech reads the list once, then the changes since its sync_cursor.
// (A month of daily syncs: transaction-sync-month.test.ts.)
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createIdleMember, ended, expectError, expectOk, syncedLongAgo, waitForJob } from '#test/support/api-client.js';
import {
  type Row,
  startTransactionSyncHarness,
  type TransactionSyncHarness,
} from '#test/support/transaction-sync-harness.js';

let t: TransactionSyncHarness;

beforeAll(async () => {
  t = await startTransactionSyncHarness('transaction-sync');
});
afterAll(async () => t?.stop());

describe('keeping transactions current', () => {
  it('syncs only what MX changed after the first copy: pending ones posted, replaced ones removed, a closed account kept as closed; the stored data is MX’s, field by field', async () => {
    const member = await t.newMember();
    const first = await t.aggregate(member);
    // sizes.perAccount each, and a day's more if MX's clock passed midnight meanwhile (a loaded machine).
    const mxAtFirst = await t.mxTruth(member);
    const atFirst = mxAtFirst.transactions.length;
    expect(atFirst).toBeGreaterThanOrEqual(3 * t.sizes.perAccount);
    expect((atFirst - 3 * t.sizes.perAccount) % (3 * t.sizes.daily)).toBe(0);
    expect((await t.everyTransaction(member)).rows).toHaveLength(atFirst);
    const accounts = expectOk(
      await t.api.typed.GET('/users/{user_guid}/members/{member_guid}/accounts', { params: { path: member } }),
    ).accounts;
    const closing = String(accounts[2]?.guid);
    t.h.stack.simulator?.closeAccount(member.member_guid, closing);

    await t.nextDay(member);
    const sync = await t.aggregate(member);
    const after = await t.everyTransaction(member);
    const truth = await t.mxTruth(member);

    // The first aggregation copied everything; the sync wrote only the day's changes.
    expect(first.counts?.transactions).toBe(atFirst);
    const changed = Number(sync.counts?.transactions);
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThanOrEqual(2 * (accounts.length - 1) * (t.sizes.daily + t.sizes.perAccount / 30));
    expect(sync.counts?.transactions_removed).toBeGreaterThan(0);
    expect(sync.counts?.accounts_closed).toBe(1);
    // Stored: every open account's transactions exactly as MX has them, no pending record MX replaced.
    const open = after.rows.filter((row) => row.account_guid !== closing);
    expect(open.map((row) => row.guid).sort()).toEqual(truth.transactions.map((t) => String(t.guid)).sort());
    const byGuid = new Map(open.map((row) => [row.guid, row]));
    for (const t of truth.transactions) {
      const stored = byGuid.get(String(t.guid));
      for (const [field, value] of Object.entries(t)) expect(stored?.[field], `${t.guid}.${field}`).toEqual(value);
    }
    // The closed account is still there, marked closed, with the transactions it had.
    const afterAccounts = expectOk(
      await t.api.typed.GET('/users/{user_guid}/members/{member_guid}/accounts', { params: { path: member } }),
    ).accounts;
    expect(afterAccounts.find((a) => a.guid === closing)).toMatchObject({ is_closed: true });
    expect(afterAccounts.filter((a) => a.is_closed !== true)).toHaveLength(truth.accounts.length);
    const closingHad = mxAtFirst.transactions.filter((tx) => tx.account_guid === closing).length;
    expect(after.rows.filter((row) => row.account_guid === closing)).toHaveLength(closingHad);
  });

  it('gives the fintech the changes since its sync_cursor: applied to its copy, they make the list as it is now', async () => {
    const member = await t.newMember();
    await t.aggregate(member);
    const copy = await t.everyTransaction(member);
    expect(copy.syncCursor).toEqual(expect.any(String));

    await t.nextDay(member);
    await t.aggregate(member);
    const { changes, cursor } = await t.changesSince(member, String(copy.syncCursor));
    const now = await t.everyTransaction(member);

    const mine = new Map(copy.rows.map((row) => [row.guid, row]));
    for (const change of changes) {
      if (change.removed === true) mine.delete(change.guid);
      else mine.set(change.guid, change);
    }
    const strip = ({ job_guid: _j, stored_at: _s, removed: _r, ...row }: Row) => row;
    const sorted = (rows: Iterable<Row>) => [...rows].map(strip).sort((a, b) => a.guid.localeCompare(b.guid));
    expect(changes.some((c) => c.removed === true)).toBe(true);
    expect(sorted(mine.values())).toEqual(sorted(now.rows));
    // Nothing changed since: no changes, and the cursor that comes back (sealed anew) stays where it was.
    const again = await t.changesSince(member, cursor);
    expect(again.changes).toEqual([]);
    expect((await t.changesSince(member, again.cursor)).changes).toEqual([]);
  });

  it('extends the history with a history job: MX’s older transactions stored beside the rest, and among the changes', async () => {
    // A sparser history (a transaction every 3 days), so that 24 months of it are a few hundred rows.
    t.h.stack.simulator?.configure({ transactionsPerAccount: 30, historyDays: 90 });
    onTestFinished(() => {
      t.h.stack.simulator?.configure({ transactionsPerAccount: t.sizes.perAccount, historyDays: 30 });
    });
    const member = await t.newMember();
    await t.aggregate(member);
    const before = await t.everyTransaction(member);

    const started = expectOk(
      await t.api.typed.POST('/users/{user_guid}/members/{member_guid}/history', {
        params: { path: member },
        body: {},
      }),
      202,
    );
    const history = await waitForJob(t.api, started.job, ended, 30_000);
    const after = await t.everyTransaction(member);
    const truth = await t.mxTruth(member);
    const { changes } = await t.changesSince(member, String(before.syncCursor));

    expect(history).toMatchObject({ type: 'history', status: 'SUCCEEDED' });
    const oldest = (rows: Row[]) => rows.map((row) => String(row.date)).sort()[0];
    expect(String(oldest(after.rows)) < String(oldest(before.rows))).toBe(true);
    // What MX gathered after the job read its window (MX's days pass fast on a loaded machine) is the next sync's.
    const latest =
      after.rows
        .map((row) => String(row.date))
        .sort()
        .at(-1) ?? '';
    const mxThrough = truth.transactions.filter((tx) => String(tx.date) <= latest);
    expect(after.rows.map((row) => row.guid).sort()).toEqual(mxThrough.map((tx) => String(tx.guid)).sort());
    const older = after.rows.filter((row) => String(row.date) < String(oldest(before.rows)));
    expect(older.length).toBeGreaterThan(before.rows.length);
    const changed = new Set(changes.map((c) => c.guid));
    expect(older.every((row) => changed.has(row.guid))).toBe(true);
  });

  it('ends a history job FAILED NOT_SUPPORTED at an institution without extended history', async () => {
    const path = await createIdleMember(t.api, { institution: 'beehive_savings' });

    const started = expectOk(
      await t.api.typed.POST('/users/{user_guid}/members/{member_guid}/history', { params: { path }, body: {} }),
      202,
    );
    const history = await waitForJob(t.api, started.job, ended, 30_000);

    expect(history).toMatchObject({ status: 'FAILED', error: { code: 'NOT_SUPPORTED' } });
  });

  it('answers 410 SYNC_CURSOR_EXPIRED for a cursor from before a full copy: the changes since are not a diff', async () => {
    const member = await t.newMember();
    await t.aggregate(member);
    const { syncCursor } = await t.everyTransaction(member);
    await syncedLongAgo(t.h.stack, member.member_guid);

    const recopy = await t.aggregate(member);
    const stale = await t.api.get(
      `/users/${member.user_guid}/members/${member.member_guid}/transactions?updated_since_cursor=${syncCursor}`,
    );

    // Copied whole: every transaction the member has, where a sync would have written the day's overlap.
    expect(recopy.counts?.transactions).toBe((await t.everyTransaction(member)).rows.length);
    expectError(stale, 410, 'SYNC_CURSOR_EXPIRED', 'updated_since_cursor');
  });

  it('refuses a cursor of another member, or one that is not a cursor, naming updated_since_cursor', async () => {
    const one = await t.newMember();
    const other = await t.newMember();
    await t.aggregate(one);
    await t.aggregate(other);
    const { syncCursor } = await t.everyTransaction(one);

    const foreign = await t.api.get(
      `/users/${other.user_guid}/members/${other.member_guid}/transactions?updated_since_cursor=${syncCursor}`,
    );
    const garbage = await t.api.get(
      `/users/${one.user_guid}/members/${one.member_guid}/transactions?updated_since_cursor=not-a-cursor`,
    );
    const mixed = await t.api.get(
      `/users/${one.user_guid}/members/${one.member_guid}/transactions?updated_since_cursor=${syncCursor}&from_date=2026-01-01`,
    );

    expectError(foreign, 400, 'INVALID_CURSOR', 'updated_since_cursor');
    expectError(garbage, 400, 'INVALID_CURSOR', 'updated_since_cursor');
    expectError(mixed, 400, 'INVALID_PARAMETER', 'from_date');
  });
});

// A month of MX's daily background refreshes, each synced: what mxflow holds stays what MX holds.
// (Apart from test/e2e/jobs/transaction-sync.test.ts so the two run side by side.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOk } from '#test/support/api-client.js';
import { startTransactionSyncHarness, type TransactionSyncHarness } from '#test/support/transaction-sync-harness.js';

let t: TransactionSyncHarness;

beforeAll(async () => {
  // What a month proves is that thirty syncs in a row drift nowhere; pages and sizes are
  // transaction-sync.test.ts's. Fewer rows a day: a quarter of the writes, the same syncs.
  t = await startTransactionSyncHarness('transaction-sync-month', { perAccount: 15, daily: 2 });
});
afterAll(async () => t?.stop());

describe('keeping transactions current for a month', () => {
  it('after 30 days of background refreshes, each synced, holds exactly what MX holds: no duplicate, no stale open account', async () => {
    const member = await t.newMember();
    await t.aggregate(member);
    const accounts = expectOk(
      await t.api.typed.GET('/users/{user_guid}/members/{member_guid}/accounts', { params: { path: member } }),
    ).accounts;
    const closing = String(accounts[1]?.guid);

    for (let day = 1; day <= 30; day += 1) {
      if (day === 12) t.h.stack.simulator?.closeAccount(member.member_guid, closing);
      await t.nextDay(member);
      await t.aggregate(member);
    }
    const stored = await t.everyTransaction(member);
    const truth = await t.mxTruth(member);
    const storedAccounts = expectOk(
      await t.api.typed.GET('/users/{user_guid}/members/{member_guid}/accounts', { params: { path: member } }),
    ).accounts;

    const guids = stored.rows.map((row) => row.guid);
    expect(new Set(guids).size).toBe(guids.length);
    const open = stored.rows.filter((row) => row.account_guid !== closing);
    expect(open.map((row) => row.guid).sort()).toEqual(truth.transactions.map((t) => String(t.guid)).sort());
    const byGuid = new Map(open.map((row) => [row.guid, row]));
    for (const t of truth.transactions) {
      const row = byGuid.get(String(t.guid));
      for (const [field, value] of Object.entries(t)) expect(row?.[field], `${t.guid}.${field}`).toEqual(value);
    }
    expect(truth.transactions.length).toBeGreaterThan(
      (accounts.length - 1) * (t.sizes.perAccount + 29 * t.sizes.daily),
    );
    expect(
      storedAccounts
        .filter((a) => a.is_closed !== true)
        .map((a) => a.guid)
        .sort(),
    ).toEqual(truth.accounts.map((a) => String(a.guid)).sort());
  }, 300_000);
});

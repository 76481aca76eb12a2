// Keeping a member's transactions current: the first aggregation copies them whole, later ones
// sync MX's changes; the fintech reads the list once, then the changes since its sync_cursor.
import type { AccountResponse, TransactionResponse } from 'mx-platform-node';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { JobView } from '#cli/api-client.js';
import type { paths } from '#shared/api/generated/api-paths.js';
import type { MxPage } from '#shared/mx/index.js';
import {
  type ApiClient,
  apiClient,
  createUser,
  credentialsFor,
  ended,
  everyPage,
  expectError,
  expectOk,
  syncedLongAgo,
  waitForJob,
} from '#test/support/api-client.js';
import { API_TEST_POLLING, startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

type TransactionsQuery = NonNullable<
  paths['/users/{user_guid}/members/{member_guid}/transactions']['get']['parameters']['query']
>;
type Row = Record<string, unknown> & { guid: string; account_guid: string };

const DAY_MS = 86_400_000;
const PER_ACCOUNT = 60;
const DAILY = 4;

let h: WorkflowHarness;
let api: ApiClient;

beforeAll(async () => {
  h = await startWorkflowHarness({
    simulator: {
      seed: 'transaction-sync',
      jobDurationMs: 60_000,
      transactionsPerAccount: PER_ACCOUNT,
      historyDays: 30,
      dailyTransactionsPerAccount: DAILY,
    },
    environment: API_TEST_POLLING,
  });
  api = apiClient(h.stack.endpoints.api);
});
afterAll(async () => h?.stop());

async function newMember(): Promise<{ user_guid: string; member_guid: string }> {
  const user = await createUser(api);
  const created = await api.typed.POST('/users/{user_guid}/members', {
    params: { path: { user_guid: user } },
    body: {
      member: {
        institution_code: 'mxbank',
        credentials: await credentialsFor(api, 'password'),
        skip_aggregation: true,
      },
    },
  });
  return { user_guid: user, member_guid: expectOk(created, 201).member.guid };
}

async function aggregate(of: { user_guid: string; member_guid: string }): Promise<JobView> {
  const started = expectOk(
    await api.typed.POST('/users/{user_guid}/members/{member_guid}/aggregate', { params: { path: of }, body: {} }),
    202,
  );
  const done = await waitForJob(api, started.job, ended, 30_000);
  expect(done.status, JSON.stringify(done.error)).toBe('SUCCEEDED');
  return done;
}

const transactionsPage = (of: { user_guid: string; member_guid: string }, query: TransactionsQuery) =>
  api.typed.GET('/users/{user_guid}/members/{member_guid}/transactions', { params: { path: of, query } });

/** The whole list, and the sync_cursor its first page gave. */
async function everyTransaction(of: { user_guid: string; member_guid: string }) {
  const pages = await everyPage((next) => transactionsPage(of, { limit: 1000, ...next }));
  return { rows: pages.flatMap((page) => page.transactions) as Row[], syncCursor: pages[0]?.sync_cursor ?? null };
}

/** Every change since a cursor, asking again while has_more; and the cursor after them. */
async function changesSince(of: { user_guid: string; member_guid: string }, cursor: string) {
  const changes: Row[] = [];
  let at = cursor;
  for (let reads = 0; reads < 50; reads += 1) {
    const page = expectOk(await transactionsPage(of, { updated_since_cursor: at, limit: 100 }));
    changes.push(...(page.transactions as Row[]));
    at = String(page.sync_cursor);
    if (!page.has_more) return { changes, cursor: at };
  }
  throw new Error('the changes never ended');
}

async function all<T>(pages: AsyncIterable<MxPage<T>>): Promise<T[]> {
  const items: T[] = [];
  for await (const page of pages) items.push(...page.items);
  return items;
}

/** What MX holds now: the member's open accounts, and every transaction of theirs. */
async function mxTruth(of: { user_guid: string; member_guid: string }) {
  const accounts = await all<AccountResponse>(h.mx.listMemberAccounts(of.user_guid, of.member_guid));
  const transactions: TransactionResponse[] = [];
  for (const account of accounts) {
    const range = { fromDate: '2000-01-01', toDate: '2099-12-31' };
    transactions.push(...(await all(h.mx.listTransactionsByAccount(of.user_guid, String(account.guid), range))));
  }
  return { accounts, transactions };
}

/** A day of MX time passes; the member's background aggregation runs and ends. */
async function nextDay(of: { user_guid: string; member_guid: string }): Promise<void> {
  h.stack.simulator?.advanceTime(DAY_MS + 60_000);
  for (let reads = 0; reads < 500; reads += 1) {
    const status = await h.mx.readMemberStatus(of.user_guid, of.member_guid);
    if (!status.is_being_aggregated) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the background aggregation never ended');
}

describe('keeping transactions current', () => {
  it('syncs only what MX changed after the first copy: pending ones posted, replaced ones removed, a closed account kept as closed; the stored data is MX’s, field by field', async () => {
    const member = await newMember();
    const first = await aggregate(member);
    expect((await everyTransaction(member)).rows).toHaveLength(3 * PER_ACCOUNT);
    const accounts = expectOk(
      await api.typed.GET('/users/{user_guid}/members/{member_guid}/accounts', { params: { path: member } }),
    ).accounts;
    const closing = String(accounts[2]?.guid);
    h.stack.simulator?.closeAccount(member.member_guid, closing);

    await nextDay(member);
    const sync = await aggregate(member);
    const after = await everyTransaction(member);
    const truth = await mxTruth(member);

    // The first aggregation copied everything; the sync wrote only the day's changes.
    expect(first.counts?.transactions).toBe(accounts.length * PER_ACCOUNT);
    const changed = Number(sync.counts?.transactions);
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThanOrEqual(2 * (accounts.length - 1) * (DAILY + PER_ACCOUNT / 30));
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
      await api.typed.GET('/users/{user_guid}/members/{member_guid}/accounts', { params: { path: member } }),
    ).accounts;
    expect(afterAccounts.find((a) => a.guid === closing)).toMatchObject({ is_closed: true });
    expect(afterAccounts.filter((a) => a.is_closed !== true)).toHaveLength(truth.accounts.length);
    expect(after.rows.filter((row) => row.account_guid === closing)).toHaveLength(PER_ACCOUNT);
  });

  it('gives the fintech the changes since its sync_cursor: applied to its copy, they make the list as it is now', async () => {
    const member = await newMember();
    await aggregate(member);
    const copy = await everyTransaction(member);
    expect(copy.syncCursor).toEqual(expect.any(String));

    await nextDay(member);
    await aggregate(member);
    const { changes, cursor } = await changesSince(member, String(copy.syncCursor));
    const now = await everyTransaction(member);

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
    const again = await changesSince(member, cursor);
    expect(again.changes).toEqual([]);
    expect((await changesSince(member, again.cursor)).changes).toEqual([]);
  });

  it('after 30 days of background refreshes, each synced, holds exactly what MX holds: no duplicate, no stale open account', async () => {
    const member = await newMember();
    await aggregate(member);
    const accounts = expectOk(
      await api.typed.GET('/users/{user_guid}/members/{member_guid}/accounts', { params: { path: member } }),
    ).accounts;
    const closing = String(accounts[1]?.guid);

    for (let day = 1; day <= 30; day += 1) {
      if (day === 12) h.stack.simulator?.closeAccount(member.member_guid, closing);
      await nextDay(member);
      await aggregate(member);
    }
    const stored = await everyTransaction(member);
    const truth = await mxTruth(member);
    const storedAccounts = expectOk(
      await api.typed.GET('/users/{user_guid}/members/{member_guid}/accounts', { params: { path: member } }),
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
    expect(truth.transactions.length).toBeGreaterThan((accounts.length - 1) * (PER_ACCOUNT + 29 * DAILY));
    expect(
      storedAccounts
        .filter((a) => a.is_closed !== true)
        .map((a) => a.guid)
        .sort(),
    ).toEqual(truth.accounts.map((a) => String(a.guid)).sort());
  }, 120_000);

  it('extends the history with a history job: MX’s older transactions stored beside the rest, and among the changes', async () => {
    // A sparser history (a transaction every 3 days), so that 24 months of it are a few hundred rows.
    h.stack.simulator?.configure({ transactionsPerAccount: 30, historyDays: 90 });
    onTestFinished(() => {
      h.stack.simulator?.configure({ transactionsPerAccount: PER_ACCOUNT, historyDays: 30 });
    });
    const member = await newMember();
    await aggregate(member);
    const before = await everyTransaction(member);

    const started = expectOk(
      await api.typed.POST('/users/{user_guid}/members/{member_guid}/history', { params: { path: member }, body: {} }),
      202,
    );
    const history = await waitForJob(api, started.job, ended, 30_000);
    const after = await everyTransaction(member);
    const truth = await mxTruth(member);
    const { changes } = await changesSince(member, String(before.syncCursor));

    expect(history).toMatchObject({ type: 'history', status: 'SUCCEEDED' });
    const oldest = (rows: Row[]) => rows.map((row) => String(row.date)).sort()[0];
    expect(String(oldest(after.rows)) < String(oldest(before.rows))).toBe(true);
    expect(after.rows.map((row) => row.guid).sort()).toEqual(truth.transactions.map((t) => String(t.guid)).sort());
    const older = after.rows.filter((row) => String(row.date) < String(oldest(before.rows)));
    expect(older.length).toBeGreaterThan(before.rows.length);
    const changed = new Set(changes.map((c) => c.guid));
    expect(older.every((row) => changed.has(row.guid))).toBe(true);
  });

  it('ends a history job FAILED NOT_SUPPORTED at an institution without extended history', async () => {
    const user = await createUser(api);
    const created = await api.typed.POST('/users/{user_guid}/members', {
      params: { path: { user_guid: user } },
      body: {
        member: {
          institution_code: 'beehive_savings',
          credentials: await credentialsFor(api, 'password', 'beehive_savings'),
          skip_aggregation: true,
        },
      },
    });
    const path = { user_guid: user, member_guid: expectOk(created, 201).member.guid };

    const started = expectOk(
      await api.typed.POST('/users/{user_guid}/members/{member_guid}/history', { params: { path }, body: {} }),
      202,
    );
    const history = await waitForJob(api, started.job, ended, 30_000);

    expect(history).toMatchObject({ status: 'FAILED', error: { code: 'NOT_SUPPORTED' } });
  });

  it('answers 410 SYNC_CURSOR_EXPIRED for a cursor from before a full copy: the changes since are not a diff', async () => {
    const member = await newMember();
    await aggregate(member);
    const { syncCursor } = await everyTransaction(member);
    await syncedLongAgo(h.stack, member.member_guid);

    const recopy = await aggregate(member);
    const stale = await api.get(
      `/users/${member.user_guid}/members/${member.member_guid}/transactions?updated_since_cursor=${syncCursor}`,
    );

    // Copied whole: every transaction the member has, where a sync would have written the day's overlap.
    expect(recopy.counts?.transactions).toBe((await everyTransaction(member)).rows.length);
    expectError(stale, 410, 'SYNC_CURSOR_EXPIRED', 'updated_since_cursor');
  });

  it('refuses a cursor of another member, or one that is not a cursor, naming updated_since_cursor', async () => {
    const one = await newMember();
    const other = await newMember();
    await aggregate(one);
    await aggregate(other);
    const { syncCursor } = await everyTransaction(one);

    const foreign = await api.get(
      `/users/${other.user_guid}/members/${other.member_guid}/transactions?updated_since_cursor=${syncCursor}`,
    );
    const garbage = await api.get(
      `/users/${one.user_guid}/members/${one.member_guid}/transactions?updated_since_cursor=not-a-cursor`,
    );
    const mixed = await api.get(
      `/users/${one.user_guid}/members/${one.member_guid}/transactions?updated_since_cursor=${syncCursor}&from_date=2026-01-01`,
    );

    expectError(foreign, 400, 'INVALID_CURSOR', 'updated_since_cursor');
    expectError(garbage, 400, 'INVALID_CURSOR', 'updated_since_cursor');
    expectError(mixed, 400, 'INVALID_PARAMETER', 'from_date');
  });
});

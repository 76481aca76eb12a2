// The simulator's data as it lives at MX over days, through its HTTP API and mxflow's MX client.
import type { AccountResponse, TransactionResponse } from 'mx-platform-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DateRange } from '#shared/mx/client.js';
import type { MxPage } from '#shared/mx/index.js';
import {
  credentialsFor,
  pollMemberUntilSettled,
  type SimulatedMx,
  startSimulatedMx,
} from '#test/support/simulated-mx.js';

const DAY_MS = 86_400_000;
let mx: SimulatedMx;

beforeAll(async () => {
  mx = await startSimulatedMx({
    timeScale: 0.001,
    jobDurationMs: 6_000,
    transactionsPerAccount: 90,
    historyDays: 30,
    dailyTransactionsPerAccount: 3,
  });
});
afterAll(async () => mx?.close());

async function all<T>(pages: AsyncIterable<MxPage<T>>): Promise<T[]> {
  const items: T[] = [];
  for await (const page of pages) items.push(...page.items);
  return items;
}

/** A user with a member (at MX Bank unless told) whose first aggregation has ended CONNECTED. */
async function aggregatedMember(
  institution = 'mxbank',
): Promise<{ user: string; member: string; accounts: AccountResponse[] }> {
  const user = String((await mx.client.createUser({ id: `living-${Date.now()}-${Math.random()}` })).guid);
  const credentials = await credentialsFor(mx.client, institution, { username: 'mxuser', password: 'password' });
  const { member } = await mx.client.createMember(user, { member: { institution_code: institution, credentials } });
  const status = await pollMemberUntilSettled(mx, user, String(member.guid));
  expect(status.connection_status).toBe('CONNECTED');
  const accounts = await all(mx.client.listMemberAccounts(user, String(member.guid)));
  return { user, member: String(member.guid), accounts };
}

/** A day of MX time passes: MX's background aggregation of the member runs and ends. */
async function nextDay(user: string, member: string): Promise<void> {
  mx.simulator.advanceTime(DAY_MS + 60_000);
  await pollMemberUntilSettled(mx, user, member);
}

const transactions = (user: string, account: string, range: DateRange = {}) =>
  all(mx.client.listTransactionsByAccount(user, account, range));
const today = () => new Date(mx.simulator.stats().mxNow).toISOString().slice(0, 10);

describe('transactions that live at MX', () => {
  it("lists only what changed since a day with from_updated_at: yesterday's pending ones posted, and today's new ones", async () => {
    const { user, member, accounts } = await aggregatedMember();
    const ofEveryAccount = async (range: DateRange = {}) =>
      (await Promise.all(accounts.map((a) => transactions(user, String(a.guid), range)))).flat();
    const before = await ofEveryAccount();
    const pendingBefore = before.filter((t) => t.status === 'PENDING');
    expect(pendingBefore.length).toBeGreaterThan(0);

    await nextDay(user, member);
    const changed = await ofEveryAccount({ fromUpdatedAt: today() });
    const now = await ofEveryAccount();

    const stillThere = (t: TransactionResponse) => now.some((n) => n.guid === t.guid);
    const newToday = 3 * accounts.length;
    expect(changed.filter((t) => t.status === 'PENDING')).toHaveLength(newToday);
    expect(changed.filter((t) => t.status === 'POSTED')).toHaveLength(pendingBefore.length);
    expect(changed.every(stillThere)).toBe(true);
    // Each purchase is one transaction at MX: a pending record replaced by a posted one is gone.
    const replaced = pendingBefore.filter((t) => !stillThere(t));
    expect(replaced.length).toBeGreaterThan(0);
    expect(now).toHaveLength(before.length + newToday);
    expect(now.filter((t) => t.status === 'PENDING')).toHaveLength(newToday);
  });

  it('refuses an updated_at that is not a date, or a window longer than six months', async () => {
    const { user, accounts } = await aggregatedMember();
    const account = String(accounts[0]?.guid);

    await expect(transactions(user, account, { fromUpdatedAt: '2026-01-01T00:00:00Z' })).rejects.toMatchObject({
      status: 400,
    });
    await expect(
      transactions(user, account, { fromUpdatedAt: '2025-01-01', toUpdatedAt: '2025-12-31' }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('stops returning an account the bank closed once the next aggregation has run', async () => {
    const { user, member, accounts } = await aggregatedMember();
    const closing = String(accounts[1]?.guid);

    mx.simulator.closeAccount(member, closing);
    const untilThen = await all(mx.client.listMemberAccounts(user, member));
    await nextDay(user, member);
    const after = await all(mx.client.listMemberAccounts(user, member));

    expect(untilThen.map((a) => a.guid)).toContain(closing);
    expect(after.map((a) => a.guid)).not.toContain(closing);
    expect(after).toHaveLength(accounts.length - 1);
  });

  it('extends the history back to 24 months with an extend_history job, at institutions that support it', async () => {
    const { user, member, accounts } = await aggregatedMember();
    const account = String(accounts[0]?.guid);
    const twoYears = { fromDate: '2020-01-01', toDate: '2099-12-31' };
    const before = await transactions(user, account, twoYears);

    const start = await mx.client.startJob('history', user, member);
    const status = await pollMemberUntilSettled(mx, user, member);
    const after = await transactions(user, account, twoYears);

    expect(start.alreadyRunning).toBe(false);
    expect(status.connection_status).toBe('CONNECTED');
    const older = after.filter((t) => String(t.date) < String(before[0]?.date));
    expect(older.length).toBeGreaterThan(before.length * 10);
    expect(older.every((t) => t.status === 'POSTED')).toBe(true);
    expect(after.slice(older.length).map((t) => t.guid)).toEqual(before.map((t) => t.guid));
    // They are among what changed on the job's day, for a sync by updated_at (read from the rows, not
    // the clock: at this time scale MX's midnight can pass between two reads of it).
    const jobDay = String(older[0]?.updated_at).slice(0, 10);
    const changedSince = await transactions(user, account, { fromUpdatedAt: jobDay });
    const updatedSince = after.filter((t) => String(t.updated_at).slice(0, 10) >= jobDay);
    expect(changedSince.map((t) => t.guid)).toEqual(updatedSince.map((t) => t.guid));
    expect(changedSince.filter((t) => older.some((o) => o.guid === t.guid))).toHaveLength(older.length);

    const elsewhere = await aggregatedMember('beehive_savings');
    await expect(mx.client.startJob('history', elsewhere.user, elsewhere.member)).rejects.toMatchObject({
      status: 400,
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { paths } from '#shared/api/generated/api-paths.js';
import {
  type ApiClient,
  createUser,
  credentialsFor,
  deletionEnded,
  ended,
  everyPage,
  expectOk,
  storedItems,
  syncedLongAgo,
  waitForJob,
} from '#test/support/api-client.js';
import { API_TEST_POLLING, startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

/** MX's transactions an account here: pages and generations of the sizes these tests are about. */
const PER_ACCOUNT = 50;

let h: WorkflowHarness;
let api: ApiClient;

beforeAll(async () => {
  h = await startWorkflowHarness({
    simulator: { seed: 'api-result-generations', jobDurationMs: 150_000, transactionsPerAccount: PER_ACCOUNT },
    environment: API_TEST_POLLING,
  });
  api = h.api();
});
afterAll(async () => h?.stop());

type MemberPath = { user_guid: string; member_guid: string };
type TransactionsQuery = NonNullable<
  paths['/users/{user_guid}/members/{member_guid}/transactions']['get']['parameters']['query']
>;
// The document leaves MX's records open (MxRecord), so the field these tests read is named here.
type Listed = { guid: string };

/** A user with an MX Bank member whose first aggregation has succeeded. */
async function aggregatedMember() {
  const user = await createUser(api);
  const credentials = await credentialsFor(api, 'password');
  const created = await api.typed.POST('/users/{user_guid}/members', {
    params: { path: { user_guid: user } },
    body: { member: { institution_code: 'mxbank', credentials } },
  });
  const job = expectOk(created, 201).job!;
  expect(await waitForJob(api, job, ended)).toMatchObject({ status: 'SUCCEEDED' });
  const path: MemberPath = { user_guid: user, member_guid: job.member_guid };
  return { user, member: job.member_guid, path, job };
}

async function aggregate(path: MemberPath) {
  const started = await api.typed.POST('/users/{user_guid}/members/{member_guid}/aggregate', {
    params: { path },
    body: {},
  });
  return waitForJob(api, expectOk(started, 202).job, ended);
}

const listAccounts = async (path: MemberPath) =>
  expectOk(await api.typed.GET('/users/{user_guid}/members/{member_guid}/accounts', { params: { path } }))
    .accounts as Listed[];

/** Every transaction guid the API lists, page after page of `limit`. */
async function listedTransactions(path: MemberPath, limit: number, query: TransactionsQuery = {}): Promise<string[]> {
  const pages = await everyPage((next) =>
    api.typed.GET('/users/{user_guid}/members/{member_guid}/transactions', {
      params: { path, query: { limit, ...query, ...next } },
    }),
  );
  return pages.flatMap((page) => (page.transactions as Listed[]).map((t) => t.guid));
}

const resultRowsOf = async (member: string) =>
  (await storedItems(h.stack)).filter((item) => String(item.pk).startsWith(`RESULTS#${member}#`));

describe('result generations', () => {
  it('keeps serving the last successful job while a later one has copied only part of its rows', async () => {
    const { member, path } = await aggregatedMember();
    // What a job still copying (or failed mid-copy) leaves: rows of its own generation, unpublished.
    await h.stack.results.putResults(member, 'accounts', 'JOB-still-copying', [{ guid: 'ACT-partial' }], new Date());

    const accounts = await listAccounts(path);

    expect(accounts.map((a) => a.guid)).not.toContain('ACT-partial');
    expect(accounts).toHaveLength(3);
  });

  it('serves only what a full copy returned: rows MX no longer returns are gone', async () => {
    const { member, path } = await aggregatedMember();
    const before = await listedTransactions(path, 1000);
    h.stack.simulator?.configure({ transactionsPerAccount: 20 });
    await syncedLongAgo(h.stack, member);
    try {
      const second = await aggregate(path);

      const after = await listedTransactions(path, 1000);
      expect(second).toMatchObject({ status: 'SUCCEEDED', counts: { transactions: 60 } });
      expect(before).toHaveLength(3 * PER_ACCOUNT);
      expect(after).toHaveLength(60);
      const rows = await resultRowsOf(member);
      expect(new Set(rows.map((row) => row.job_guid))).toEqual(new Set([second.guid]));
    } finally {
      h.stack.simulator?.configure({ transactionsPerAccount: PER_ACCOUNT });
    }
  });

  it('syncs a later aggregation into the published transactions and replaces the accounts with its own', async () => {
    const { member, path, job } = await aggregatedMember();

    const second = await aggregate(path);

    expect(second).toMatchObject({ status: 'SUCCEEDED', counts: { accounts: 3 } });
    // Only the day's overlap comes again (MX's changes since the day before the first copy).
    expect(second.counts?.transactions).toBeLessThan(15);
    expect(await listedTransactions(path, 1000)).toHaveLength(3 * PER_ACCOUNT);
    const rows = await resultRowsOf(member);
    const generations = (kind: string) =>
      new Set(rows.filter((row) => String(row.pk).includes(`#${kind}#`)).map((row) => row.job_guid));
    expect(generations('TRANSACTION')).toEqual(new Set([job.guid]));
    expect(generations('ACCOUNT')).toEqual(new Set([second.guid]));
  });

  it("walks every account's transactions with one cursor, without losing or repeating one", async () => {
    const { path } = await aggregatedMember();
    const accounts = await listAccounts(path);

    const byPages = await listedTransactions(path, 7);
    const ofOneAccount = await listedTransactions(path, 7, { account_guid: accounts[1]?.guid });

    expect(byPages).toHaveLength(3 * PER_ACCOUNT);
    expect(new Set(byPages).size).toBe(3 * PER_ACCOUNT);
    expect(ofOneAccount).toHaveLength(PER_ACCOUNT);
    expect(byPages).toEqual(expect.arrayContaining(ofOneAccount));
  });

  it('stores the transactions of each account under a partition key of its own', async () => {
    const { member } = await aggregatedMember();

    const rows = (await resultRowsOf(member)).filter((row) => String(row.pk).includes('#TRANSACTION#'));

    expect(rows).toHaveLength(3 * PER_ACCOUNT);
    expect(new Set(rows.map((row) => row.pk)).size).toBe(3);
  });

  it('leaves no row of any generation behind when the member is deleted', async () => {
    const { member, path } = await aggregatedMember();
    await h.stack.results.putResults(member, 'accounts', 'JOB-failed', [{ guid: 'ACT-partial' }], new Date());

    const deleted = await api.typed.DELETE('/users/{user_guid}/members/{member_guid}', { params: { path } });
    const ended = await deletionEnded(api, expectOk(deleted, 202).deletion.guid);

    expect(ended.status).toBe('SUCCEEDED');
    const left = (await storedItems(h.stack)).filter((item) => JSON.stringify(item).includes(member));
    expect(left.filter((item) => /^(GENERATION|PUBLISHED)#/.test(String(item.sk)))).toEqual([]);
    expect(await resultRowsOf(member)).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiClient,
  apiClient,
  createUser,
  credentialsFor,
  ended,
  storedItems,
  waitForJob,
} from '#test/support/api-client.js';
import { startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;
let api: ApiClient;

beforeAll(async () => {
  h = await startWorkflowHarness({ simulator: { seed: 'api-result-generations', jobDurationMs: 150_000 } });
  api = apiClient(h.stack.endpoints.api);
});
afterAll(async () => h?.stop());

type Job = { guid: string; user_guid: string; member_guid: string; status: string };

/** A user with an MX Bank member whose first aggregation has succeeded. */
async function aggregatedMember() {
  const user = await createUser(api);
  const created = await api.post(`/users/${user}/members`, {
    member: { institution_code: 'mxbank', credentials: await credentialsFor(api, 'password') },
  });
  expect(created.status).toBe(201);
  const job = created.body.job as Job;
  expect(await waitForJob(api, job, ended)).toMatchObject({ status: 'SUCCEEDED' });
  return { user, member: job.member_guid, path: `/users/${user}/members/${job.member_guid}`, job };
}

async function aggregate(path: string): Promise<Job> {
  const started = await api.post(`${path}/aggregate`, {});
  expect(started.status).toBe(202);
  return (await waitForJob(api, started.body.job as Job, ended)) as Job;
}

/** Every transaction guid the API lists, page after page of `limit`. */
async function listedTransactions(path: string, limit: number, query = ''): Promise<string[]> {
  const guids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await api.get(
      `${path}/transactions?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(page.status).toBe(200);
    guids.push(...(page.body.transactions as { guid: string }[]).map((t) => t.guid));
    cursor = page.body.pagination.next_cursor as string | null;
  } while (cursor);
  return guids;
}

const resultRowsOf = async (member: string) =>
  (await storedItems(h.stack)).filter((item) => String(item.pk).startsWith(`RESULTS#${member}#`));

describe('result generations', () => {
  it('keeps serving the last successful job while a later one has copied only part of its rows', async () => {
    const { member, path } = await aggregatedMember();
    // What a job still copying (or failed mid-copy) leaves: rows of its own generation, unpublished.
    await h.stack.results.putResults(member, 'accounts', 'JOB-still-copying', [{ guid: 'ACT-partial' }], new Date());

    const accounts = await api.get(`${path}/accounts`);

    expect(accounts.status).toBe(200);
    expect((accounts.body.accounts as { guid: string }[]).map((a) => a.guid)).not.toContain('ACT-partial');
    expect(accounts.body.accounts).toHaveLength(3);
  });

  it('serves only what the latest aggregation returned: rows MX no longer returns are gone', async () => {
    const { member, path } = await aggregatedMember();
    const before = await listedTransactions(path, 1000);
    h.stack.simulator?.configure({ transactionsPerAccount: 20 });
    try {
      const second = await aggregate(path);

      const after = await listedTransactions(path, 1000);
      expect(second).toMatchObject({ status: 'SUCCEEDED', counts: { transactions: 60 } });
      expect(before).toHaveLength(150);
      expect(after).toHaveLength(60);
      const rows = await resultRowsOf(member);
      expect(new Set(rows.map((row) => row.job_guid))).toEqual(new Set([second.guid]));
    } finally {
      h.stack.simulator?.configure({ transactionsPerAccount: 50 });
    }
  });

  it("walks every account's transactions with one cursor, without losing or repeating one", async () => {
    const { path } = await aggregatedMember();
    const accounts = (await api.get(`${path}/accounts`)).body.accounts as { guid: string }[];

    const byPages = await listedTransactions(path, 7);
    const ofOneAccount = await listedTransactions(path, 7, `&account_guid=${accounts[1]?.guid}`);

    expect(byPages).toHaveLength(150);
    expect(new Set(byPages).size).toBe(150);
    expect(ofOneAccount).toHaveLength(50);
    expect(byPages).toEqual(expect.arrayContaining(ofOneAccount));
  });

  it('stores the transactions of each account under a partition key of its own', async () => {
    const { member } = await aggregatedMember();

    const rows = (await resultRowsOf(member)).filter((row) => String(row.pk).includes('#TRANSACTION#'));

    expect(rows).toHaveLength(150);
    expect(new Set(rows.map((row) => row.pk)).size).toBe(3);
  });

  it('leaves no row of any generation behind when the member is deleted', async () => {
    const { member, path } = await aggregatedMember();
    await h.stack.results.putResults(member, 'accounts', 'JOB-failed', [{ guid: 'ACT-partial' }], new Date());

    const deleted = await api.delete(path);

    expect(deleted.status).toBe(204);
    const left = (await storedItems(h.stack)).filter((item) => JSON.stringify(item).includes(member));
    expect(left.filter((item) => /^(GENERATION|PUBLISHED)#/.test(String(item.sk)))).toEqual([]);
    expect(await resultRowsOf(member)).toEqual([]);
  });
});

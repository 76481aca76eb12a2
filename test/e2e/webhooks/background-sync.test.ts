// MX refreshes members by itself about daily and says so with an AGGREGATION webhook
// (is_background): mxflow syncs the new data then, with no one asking.
import { Duration } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '#cli/api-client.js';
import { type ApiClient, createUser, credentialsFor, ended, expectOk, waitForJob } from '#test/support/api-client.js';
import { eventually } from '#test/support/eventually.js';
import { startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

const DAY_MS = 86_400_000;
let h: WorkflowHarness;
let api: ApiClient;

beforeAll(async () => {
  h = await startWorkflowHarness({
    simulator: {
      seed: 'background-sync',
      jobDurationMs: 60_000,
      transactionsPerAccount: 30,
      historyDays: 30,
      dailyTransactionsPerAccount: 3,
    },
    mxWebhooks: { wait: Duration.minutes(1) },
  });
  api = h.api();
});
afterAll(async () => h?.stop());

const jobsOf = async (path: { user_guid: string; member_guid: string }) =>
  expectOk(await api.typed.GET('/users/{user_guid}/members/{member_guid}/jobs', { params: { path } }))
    .jobs as JobView[];

describe("MX's background aggregations", () => {
  it('are synced when their webhook comes: a job follows MX’s run and stores its new transactions, with no one asking', async () => {
    const user = await createUser(api);
    const created = await api.typed.POST('/users/{user_guid}/members', {
      params: { path: { user_guid: user } },
      body: { member: { institution_code: 'mxbank', credentials: await credentialsFor(api, 'password') } },
    });
    const first = expectOk(created, 201).job!;
    expect(await waitForJob(api, first, ended)).toMatchObject({ status: 'SUCCEEDED' });
    const path = { user_guid: user, member_guid: first.member_guid };
    const before = expectOk(
      await api.typed.GET('/users/{user_guid}/members/{member_guid}/transactions', {
        params: { path, query: { limit: 1000 } },
      }),
    ).transactions;

    h.stack.simulator?.advanceTime(DAY_MS + 60_000);
    const sync = await eventually(async () => {
      const [latest] = await jobsOf(path);
      return latest && latest.guid !== first.guid && latest.status === 'SUCCEEDED' ? latest : undefined;
    });
    const after = expectOk(
      await api.typed.GET('/users/{user_guid}/members/{member_guid}/transactions', {
        params: { path, query: { limit: 1000 } },
      }),
    ).transactions;

    expect(sync).toMatchObject({ type: 'aggregate', status: 'SUCCEEDED' });
    expect(Number(sync.counts?.transactions)).toBeGreaterThan(0);
    expect(Number(sync.counts?.transactions)).toBeLessThan(before.length);
    // The day's new transactions (3 an account), each account's pending ones posted.
    expect(after.length).toBe(before.length + 3 * 3);
    expect(after.filter((t) => t.status === 'PENDING')).toHaveLength(3 * 3);
    expect(await jobsOf(path)).toHaveLength(2);
  });
});

// The scheduled refresh: members whose data is older than their refresh age get an unattended
// aggregation that syncs them, a bounded number a run. A table of its own: every member here is ours.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiClient,
  createUser,
  credentialsFor,
  ended,
  everyPage,
  expectOk,
  waitForJob,
} from '#test/support/api-client.js';
import { eventually } from '#test/support/eventually.js';
import { API_TEST_POLLING, startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

const DAY_MS = 86_400_000;
const DAILY = 4;
let h: WorkflowHarness;
let api: ApiClient;

beforeAll(async () => {
  h = await startWorkflowHarness({
    simulator: {
      seed: 'scheduled-refresh',
      jobDurationMs: 60_000,
      transactionsPerAccount: 30,
      historyDays: 30,
      dailyTransactionsPerAccount: DAILY,
    },
    // A member is due a second after its sync; two refreshes a run.
    environment: { ...API_TEST_POLLING, REFRESH_AFTER_SECONDS: '1', REFRESH_BATCH_LIMIT: '2' },
  });
  api = h.api();
});
afterAll(async () => h?.stop());

type MemberPath = { user_guid: string; member_guid: string };

async function aggregatedMember(password = 'password'): Promise<MemberPath> {
  const user = await createUser(api);
  const created = await api.typed.POST('/users/{user_guid}/members', {
    params: { path: { user_guid: user } },
    body: { member: { institution_code: 'mxbank', credentials: await credentialsFor(api, password) } },
  });
  const job = expectOk(created, 201).job!;
  expect(await waitForJob(api, job, ended)).toMatchObject({ status: 'SUCCEEDED' });
  return { user_guid: user, member_guid: job.member_guid };
}

const transactionCount = async (path: MemberPath) =>
  (
    await everyPage((next) =>
      api.typed.GET('/users/{user_guid}/members/{member_guid}/transactions', {
        params: { path, query: { limit: 1000, ...next } },
      }),
    )
  ).flatMap((page) => page.transactions).length;

const jobsOf = async (path: MemberPath) =>
  expectOk(await api.typed.GET('/users/{user_guid}/members/{member_guid}/jobs', { params: { path } })).jobs;

describe('the scheduled refresh', () => {
  it('refreshes the members whose data is due, two a run: unattended syncs of what MX gathered', async () => {
    const members = [await aggregatedMember(), await aggregatedMember(), await aggregatedMember()];
    const before = await Promise.all(members.map(transactionCount));
    h.stack.simulator?.advanceTime(DAY_MS + 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    const first = await h.stack.refreshMembers();
    const second = await h.stack.refreshMembers();
    const latest = await Promise.all(
      members.map((member) =>
        eventually(async () => {
          const jobs = await jobsOf(member);
          return jobs.length === 2 && jobs[0]?.status === 'SUCCEEDED' ? jobs[0] : undefined;
        }),
      ),
    );
    const after = await Promise.all(members.map(transactionCount));

    expect(first).toMatchObject({ due: 2, started: 2 });
    // The first two were deferred before their starts: only the third is due.
    expect(second).toMatchObject({ due: 1, started: 1 });
    expect(latest.map((job) => job.type)).toEqual(['aggregate', 'aggregate', 'aggregate']);
    // Each synced the day MX gathered: new transactions for each of 3 accounts.
    expect(after).toEqual(before.map((n) => n + 3 * DAILY));
  });

  it('ends a refresh at once when MX holds the member CHALLENGED: no end user is there to answer', async () => {
    const member = await aggregatedMember();
    // The end user starts an aggregation elsewhere (MX's Connect widget) and leaves its MFA unanswered.
    h.stack.simulator?.changeBankLogin(member.member_guid, 'challenge');
    h.stack.simulator?.advanceTime(4 * 3_600_000);
    await h.mx.startJob('aggregate', member.user_guid, member.member_guid);
    await eventually(
      async () =>
        (await h.mx.readMemberStatus(member.user_guid, member.member_guid)).connection_status === 'CHALLENGED',
    );
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    // Runs until it gets to this member (the members of the test before are due again too, two a run).
    const refresh = await eventually(async () => {
      await h.stack.refreshMembers();
      const jobs = await jobsOf(member);
      return jobs.length === 2 && jobs[0]?.status !== 'RUNNING' ? jobs[0] : undefined;
    });

    expect(refresh).toMatchObject({ status: 'FAILED', error: { code: 'MEMBER_CHALLENGED' } });
    expect(refresh.challenges ?? []).toEqual([]);
  });
});

import { Duration } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuthorization } from '#shared/api/basic-auth.js';
import { MX_WEBHOOK_PATH } from '#shared/api/routes.js';
import {
  type ApiClient,
  createUser,
  credentialsFor,
  ended,
  expectError,
  expectOk,
  storedItems,
  waitForJob,
} from '#test/support/api-client.js';
import { eventually } from '#test/support/eventually.js';
import { startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;
let api: ApiClient;

// 1 s of MX time is 10 ms here. The wait a webhook ends lasts an hour of MX time (36 s): a job
// that ends sooner than that was ended by its webhook, never by the fallback read.
const WEBHOOK_WAIT = Duration.hours(1);
const JOB_MS = 60_000;

beforeAll(async () => {
  h = await startWorkflowHarness({
    timeScale: 0.01,
    simulator: { seed: 'job-webhooks', jobDurationMs: JOB_MS, transactionsPerAccount: 20 },
    mxWebhooks: { wait: WEBHOOK_WAIT },
  });
  api = h.api();
});
afterAll(async () => h?.stop());

const stats = () => {
  const simulator = h.stack.simulator;
  if (!simulator) throw new Error('the harness runs its own simulator');
  return simulator.stats();
};
/** MX's record of the member's one job, and of the status reads of the member. */
function mxView(member: string) {
  const { jobs, statusReads } = stats();
  return { jobs: jobs.filter((j) => j.memberGuid === member), reads: statusReads.byMember[member] };
}
/** Status reads after MX ended the job: 1 when the first read after the end was also the last. */
function readsAfterEnd(member: string): number {
  const { jobs, reads } = mxView(member);
  const [job] = jobs.slice(-1);
  if (!job?.noticedAt || !reads) return 0;
  return reads.lastReadAt === job.noticedAt ? 1 : 2;
}

const postWebhook = (body: unknown, authorization = basicAuthorization(h.stack.webhookCredentials)) =>
  api.send('POST', MX_WEBHOOK_PATH, {
    raw: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', Authorization: authorization },
  });
const inboxItems = async () => (await storedItems(h.stack)).filter((item) => String(item.pk).startsWith('WEBHOOK#'));

describe('MX webhooks end the wait between status reads', () => {
  it('finishes an aggregation on its AGGREGATION webhook with one status read after it', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');

    const done = await h.finished(await h.start('aggregate', user, member), 30_000);

    const { jobs, reads } = mxView(member);
    expect(done).toMatchObject({ status: 'SUCCEEDED', connection_status: 'CONNECTED', counts: { accounts: 3 } });
    expect(jobs[0]?.noticeDelayMs).toBeLessThan(WEBHOOK_WAIT.toMilliseconds() / 6);
    expect(readsAfterEnd(member)).toBe(1);
    // MX's target: at most 2 reads plus one per fallback interval the job lasted (none here).
    expect(reads?.reads).toBeLessThanOrEqual(2);
    expect(stats().webhooks.byType.AGGREGATION?.delivered).toBeGreaterThan(0);
  });

  it('notices the account-selection challenge by CONNECTION_STATUS and finishes on the VERIFICATION webhook', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');
    const started = await h.start('verify', user, member);

    const parked = await h.waitForJob(started, (job) => job.status === 'CHALLENGED', 30_000);
    const selection = parked.challenges?.[0];
    const checking = selection?.options?.find((o) => /checking/i.test(String(o.label)));
    await h.answer(parked, [{ guid: String(selection?.guid), value: String(checking?.value) }]);
    const done = await h.finished(started, 30_000);

    const { jobs } = mxView(member);
    expect(done).toMatchObject({ status: 'SUCCEEDED', counts: { account_numbers: 1 } });
    expect(stats().webhooks.byType.CONNECTION_STATUS?.delivered).toBeGreaterThan(0);
    expect(stats().webhooks.byType.VERIFICATION?.delivered).toBeGreaterThan(0);
    expect(jobs[0]?.noticeDelayMs).toBeLessThan(WEBHOOK_WAIT.toMilliseconds() / 6);
    expect(readsAfterEnd(member)).toBe(1);
  });
});

describe('the webhook receiver', () => {
  const unknownMember = {
    type: 'CONNECTION_STATUS',
    action: 'CHANGED',
    connection_status: 'DENIED',
    member_guid: 'MBR-00000000-0000-0000-0000-000000000000',
    user_guid: 'USR-00000000-0000-0000-0000-000000000000',
  };

  it('refuses a delivery without the Basic credentials, or with wrong ones, with 401 and stores nothing', async () => {
    const before = (await inboxItems()).length;

    const none = await api.send('POST', MX_WEBHOOK_PATH, { json: unknownMember });
    const wrong = await postWebhook(
      unknownMember,
      basicAuthorization({ ...h.stack.webhookCredentials, password: 'not-the-password' }),
    );

    expectError(none, 401, 'UNAUTHORIZED');
    expectError(wrong, 401, 'UNAUTHORIZED');
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect((await inboxItems()).length).toBe(before);
  });

  it('refuses a malformed body with 400 naming the field, drops a type it does not act on with 204, and stores neither', async () => {
    const before = (await inboxItems()).length;

    const notJson = await postWebhook('{"type": "CONNECTION_STATUS",');
    const noMember = await postWebhook({ ...unknownMember, member_guid: undefined });
    const untyped = await postWebhook({ ...unknownMember, type: 7 });
    const otherType = await postWebhook({ ...unknownMember, type: 'SOMETHING_ELSE' });

    expectError(notJson, 400, 'INVALID_JSON');
    expectError(noMember, 400, 'VALIDATION_FAILED', 'member_guid');
    expectError(untyped, 400, 'VALIDATION_FAILED', 'type');
    expect(otherType.status).toBe(204);
    expect((await inboxItems()).length).toBe(before);
  });

  it('answers 204 to a member it does not hold, and keeps one delivery of a repeated body', async () => {
    const before = (await inboxItems()).length;

    const first = await postWebhook(unknownMember);
    const repeat = await postWebhook(unknownMember);

    expect([first.status, repeat.status]).toEqual([204, 204]);
    expect((await inboxItems()).length).toBe(before + 1);
  });

  it('acts once on a body delivered twice: one status read of a member no job runs on', async () => {
    const { user, member } = await connectedMember();
    const readsBefore = mxView(member).reads?.reads ?? 0;
    const webhook = { type: 'AGGREGATION', action: 'member_data_updated', member_guid: member, user_guid: user };

    const answers = [
      await postWebhook({ ...webhook, is_background: true }),
      await postWebhook({ ...webhook, is_background: true }),
      await postWebhook({ ...webhook, is_background: false }),
    ];
    // The stream is processed in order: once the last one was acted on, so was any before it.
    await eventually(() => (mxView(member).reads?.reads ?? 0) >= readsBefore + 2);

    expect(answers.map((a) => a.status)).toEqual([204, 204, 204]);
    expect(mxView(member).reads?.reads).toBe(readsBefore + 2);
  });

  it("shows on the member a background aggregation's DENIED, noticed by webhook after its last job", async () => {
    const { user, member } = await connectedMember();
    const memberPath = { params: { path: { user_guid: user, member_guid: member } } };

    // The end user changes their password at the bank; MX's next background run meets DENIED.
    h.stack.simulator?.changeBankLogin(member, 'denied');
    h.stack.simulator?.configure({ backgroundAggregationMs: 5 * 60_000 });
    const shown = await eventually(
      async () => {
        const read = expectOk(await api.typed.GET('/users/{user_guid}/members/{member_guid}', memberPath));
        return read.member.connection_status === 'DENIED' ? read : undefined;
      },
      { timeoutMs: 30_000 },
    ).finally(() => h.stack.simulator?.configure({ backgroundAggregationMs: 24 * 3_600_000 }));

    expect(shown.job).toMatchObject({ status: 'SUCCEEDED', connection_status: 'CONNECTED' });
    expect(stats().webhooks.byType.CONNECTION_STATUS?.delivered).toBeGreaterThan(0);
  });
});

/** A member created through the API, its creation's aggregation ended. */
async function connectedMember(): Promise<{ user: string; member: string }> {
  const user = await createUser(api);
  const created = expectOk(
    await api.typed.POST('/users/{user_guid}/members', {
      params: { path: { user_guid: user } },
      body: { member: { institution_code: 'mxbank', credentials: await credentialsFor(api, 'password') } },
    }),
    201,
  );
  if (created.job) await waitForJob(api, created.job, ended, 30_000);
  return { user, member: created.member.guid };
}

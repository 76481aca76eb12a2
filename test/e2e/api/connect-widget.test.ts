import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { components } from '#shared/api/generated/api-paths.js';
import { type ApiClient, createUser, credentialsFor, ended, expectOk, waitForJob } from '#test/support/api-client.js';
import { API_TEST_POLLING, startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;
let api: ApiClient;

beforeAll(async () => {
  h = await startWorkflowHarness({
    simulator: { seed: 'api-connect-widget', jobDurationMs: 150_000 },
    environment: API_TEST_POLLING,
  });
  api = h.api();
});
afterAll(async () => h?.stop());

/** Aggregations started at MX, by anyone: an observing job starts none. */
const mxAggregations = () => h.mxRequests('POST /users/{user_guid}/members/{member_guid}/aggregate');

/** The postMessage (version 4) the widget sends the fintech's frontend once the member is connected. */
const memberConnected = (userGuid: string, memberGuid: string) => ({
  type: 'mx/connect/memberConnected',
  metadata: { user_guid: userGuid, member_guid: memberGuid },
});

/** The MX member once `ready` holds for its status, read as the widget would. */
const memberAtMx = (userGuid: string, memberGuid: string, ready: (status: string) => boolean) =>
  vi.waitFor(
    async () => {
      const state = await h.mx.readMemberStatus(userGuid, memberGuid);
      if (!ready(String(state.connection_status))) throw new Error(`MX member is ${state.connection_status}`);
      return state;
    },
    { timeout: 15_000, interval: 10 },
  );

/**
 * What the Connect widget does at MX in verification mode, with MX's own API: it creates the
 * member, verifies it and the end user picks the checking account.
 */
async function verifyInWidget(userGuid: string) {
  const { member } = await h.mx.createMember(userGuid, {
    member: { institution_code: 'mxbank', credentials: await credentialsFor(api, 'password'), skip_aggregation: true },
  });
  const memberGuid = String(member.guid);
  await h.mx.startJob('verify', userGuid, memberGuid);
  const challenged = await memberAtMx(userGuid, memberGuid, (status) => status === 'CHALLENGED');
  const [selection] = challenged.challenges ?? [];
  const checking = selection?.options?.find((o) => /checking/i.test(String(o.label)));
  await h.mx.resumeMember(userGuid, memberGuid, [{ guid: String(selection?.guid), value: String(checking?.value) }]);
  return memberConnected(userGuid, memberGuid);
}

/**
 * The widget in aggregation mode: it creates the member, whose creation starts MX's aggregation,
 * and says the member is connected while that aggregation may still run.
 */
async function aggregateInWidget(userGuid: string) {
  const { member } = await h.mx.createMember(userGuid, {
    member: { institution_code: 'mxbank', credentials: await credentialsFor(api, 'password') },
  });
  const memberGuid = String(member.guid);
  await memberAtMx(userGuid, memberGuid, (status) => status === 'CONNECTED');
  return memberConnected(userGuid, memberGuid);
}

const widgetUrl = (user_guid: string, widget_url: components['schemas']['WidgetUrlBody']['widget_url']) =>
  api.typed.POST('/users/{user_guid}/widget_urls', { params: { path: { user_guid } }, body: { widget_url } });

describe('the Connect widget hand-off', () => {
  it('follows (observe) a verification the widget ran to SUCCEEDED and serves the account numbers it found', async () => {
    const user_guid = await createUser(api);
    const widget = await widgetUrl(user_guid, { mode: 'verification', ui_message_version: 4, color_scheme: 'dark' });
    expect(new URL(expectOk(widget).widget_url.url).searchParams.get('mode')).toBe('verification');

    const message = await verifyInWidget(user_guid);
    // The backend hands the member guid of the widget's postMessage to an observing verification.
    const path = { user_guid, member_guid: message.metadata.member_guid };
    const started = await api.typed.POST('/users/{user_guid}/members/{member_guid}/verify', {
      params: { path },
      body: { observe: true },
    });
    const done = await waitForJob(api, expectOk(started, 202).job, ended);
    const numbers = await api.typed.GET('/users/{user_guid}/members/{member_guid}/account_numbers', {
      params: { path },
    });

    expect(done).toMatchObject({ status: 'SUCCEEDED', connection_status: 'CONNECTED', counts: { account_numbers: 1 } });
    const [number, ...others] = expectOk(numbers).account_numbers;
    expect(others).toEqual([]);
    expect(number).toMatchObject({ account_number: expect.any(String), routing_number: expect.any(String) });
  });

  it('follows (observe) the aggregation the widget started to SUCCEEDED and serves its accounts and transactions', async () => {
    const user_guid = await createUser(api);
    const widget = await widgetUrl(user_guid, {
      mode: 'aggregation',
      include_transactions: true,
      ui_message_version: 4,
      disable_background_agg: true,
    });
    const query = new URL(expectOk(widget).widget_url.url).searchParams;
    expect([query.get('mode'), query.get('disable_background_agg')]).toEqual(['aggregation', 'true']);

    const message = await aggregateInWidget(user_guid);
    const path = { user_guid, member_guid: message.metadata.member_guid };
    const aggregationsBefore = mxAggregations();
    const started = await api.typed.POST('/users/{user_guid}/members/{member_guid}/aggregate', {
      params: { path },
      body: { observe: true },
    });
    const done = await waitForJob(api, expectOk(started, 202).job, ended);
    const accounts = expectOk(
      await api.typed.GET('/users/{user_guid}/members/{member_guid}/accounts', { params: { path } }),
    ).accounts;
    const transactions = expectOk(
      await api.typed.GET('/users/{user_guid}/members/{member_guid}/transactions', { params: { path } }),
    ).transactions;

    expect(done).toMatchObject({ status: 'SUCCEEDED', connection_status: 'CONNECTED' });
    expect(mxAggregations()).toBe(aggregationsBefore);
    expect(accounts.length).toBeGreaterThan(0);
    expect(transactions.length).toBeGreaterThan(0);
    expect(done.counts).toMatchObject({ accounts: accounts.length });
  });
});

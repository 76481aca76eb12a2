import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type ApiClient,
  apiClient,
  createUser,
  credentialsFor,
  ended,
  expectOk,
  waitForJob,
} from '#test/support/api-client.js';
import { API_TEST_POLLING, startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;
let api: ApiClient;

beforeAll(async () => {
  h = await startWorkflowHarness({
    simulator: { seed: 'api-connect-widget', jobDurationMs: 150_000 },
    environment: API_TEST_POLLING,
  });
  api = apiClient(h.stack.endpoints.api);
});
afterAll(async () => h?.stop());

/**
 * What the Connect widget does at MX in verification mode, with MX's own API: it creates the
 * member, verifies it and the end user picks the checking account. It answers the postMessage
 * (version 4) the widget sends the fintech's frontend once the member is connected.
 */
async function connectInWidget(userGuid: string) {
  const { member } = await h.mx.createMember(userGuid, {
    member: { institution_code: 'mxbank', credentials: await credentialsFor(api, 'password'), skip_aggregation: true },
  });
  const memberGuid = String(member.guid);
  await h.mx.startJob('verify', userGuid, memberGuid);
  const challenged = await vi.waitFor(
    async () => {
      const state = await h.mx.readMemberStatus(userGuid, memberGuid);
      if (state.connection_status !== 'CHALLENGED') throw new Error(`MX member is ${state.connection_status}`);
      return state;
    },
    { timeout: 15_000, interval: 10 },
  );
  const [selection] = challenged.challenges ?? [];
  const checking = selection?.options?.find((o) => /checking/i.test(String(o.label)));
  await h.mx.resumeMember(userGuid, memberGuid, [{ guid: String(selection?.guid), value: String(checking?.value) }]);
  return { type: 'mx/connect/memberConnected', metadata: { user_guid: userGuid, member_guid: memberGuid } };
}

describe('the Connect widget hand-off', () => {
  it('follows (observe) a verification the widget ran to SUCCEEDED and serves the account numbers it found', async () => {
    const user_guid = await createUser(api);
    const widget = await api.typed.POST('/users/{user_guid}/widget_urls', {
      params: { path: { user_guid } },
      body: { widget_url: { mode: 'verification', ui_message_version: 4, color_scheme: 'dark' } },
    });
    expect(new URL(expectOk(widget).widget_url.url).searchParams.get('mode')).toBe('verification');

    const message = await connectInWidget(user_guid);
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
});

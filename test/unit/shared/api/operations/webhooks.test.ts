import { describe, expect, it } from 'vitest';
import { basicAuthorization } from '#shared/api/basic-auth.js';
import { MX_WEBHOOK_PATH } from '#shared/api/routes.js';
import { apiHandlersOver, callApi, fakeApiDeps, WEBHOOK_CREDENTIALS } from '#test/support/fakes/api-deps.js';

const challenged = {
  type: 'CONNECTION_STATUS',
  action: 'CHANGED',
  connection_status: 'CHALLENGED',
  connection_status_id: 3,
  member_guid: 'MBR-1',
  user_guid: 'USR-1',
};
const authorized = { Authorization: basicAuthorization(WEBHOOK_CREDENTIALS) };

describe('receiveMxWebhook', () => {
  it('stores a delivery with the right credentials and answers 204 with no body', async () => {
    const deps = fakeApiDeps();

    const answer = await callApi(apiHandlersOver(deps), 'POST', MX_WEBHOOK_PATH, {
      json: challenged,
      headers: authorized,
    });

    expect(answer).toMatchObject({ status: 204, body: undefined });
    expect(deps.webhookInbox.deliveries.map((d) => JSON.parse(d.body))).toEqual([challenged]);
  });

  it('answers 401 before it reads the body: wrong credentials and a malformed body are still 401', async () => {
    const deps = fakeApiDeps();
    const wrong = { Authorization: basicAuthorization({ ...WEBHOOK_CREDENTIALS, password: 'guess' }) };

    const answer = await callApi(apiHandlersOver(deps), 'POST', MX_WEBHOOK_PATH, {
      raw: '{"type":',
      headers: { 'Content-Type': 'application/json', ...wrong },
    });

    expect(answer).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
    expect(answer.headers['WWW-Authenticate']).toBe('Basic realm="mxflow"');
    expect(deps.webhookInbox.deliveries).toEqual([]);
  });

  it('keeps fields MX adds, and refuses a webhook without its member, naming the field', async () => {
    const deps = fakeApiDeps();
    const handlers = apiHandlersOver(deps);

    const withNewField = await callApi(handlers, 'POST', MX_WEBHOOK_PATH, {
      json: { ...challenged, new_field: 1 },
      headers: authorized,
    });
    const memberless = await callApi(handlers, 'POST', MX_WEBHOOK_PATH, {
      json: { type: 'MEMBER', action: 'UPDATED', member: { user_guid: 'USR-1' } },
      headers: authorized,
    });

    expect(withNewField.status).toBe(204);
    expect(JSON.parse(deps.webhookInbox.deliveries[0]?.body ?? '{}')).toMatchObject({ new_field: 1 });
    expect(memberless).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', field: 'member.guid' } },
    });
    expect(deps.webhookInbox.deliveries).toHaveLength(1);
  });
});

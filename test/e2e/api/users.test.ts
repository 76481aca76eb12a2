import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, createUser, expectError, expectOk, expectRefusal } from '#test/support/api-client.js';
import { API_TEST_POLLING, startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;
let api: ApiClient;

beforeAll(async () => {
  h = await startWorkflowHarness({
    simulator: { seed: 'api-users', jobDurationMs: 150_000 },
    environment: API_TEST_POLLING,
  });
  api = h.api();
});
afterAll(async () => h?.stop());

const UNKNOWN_USER = 'USR-00000000-0000-0000-0000-000000000000';
const uniqueId = (label: string) => `${label}-${crypto.randomUUID()}`;

describe('POST /users', () => {
  it('creates a user with the caller’s id (201), then answers that same user (200) when asked again, creating it at MX once', async () => {
    const id = uniqueId('caller');
    const mxCreatesBefore = h.mxRequests('POST /users');

    const first = expectOk(
      await api.typed.POST('/users', { body: { user: { id, email: 'ada@example.com', metadata: '{"plan":"gold"}' } } }),
      201,
    );
    const again = expectOk(await api.typed.POST('/users', { body: { user: { id } } }), 200);

    expect(first.user).toEqual({
      guid: expect.stringMatching(/^USR-/),
      id,
      email: 'ada@example.com',
      metadata: '{"plan":"gold"}',
      created_at: expect.any(String),
    });
    expect(again.user).toEqual(first.user);
    expect(h.mxRequests('POST /users') - mxCreatesBefore).toBe(1);
    const read = expectOk(
      await api.typed.GET('/users/{user_guid}', { params: { path: { user_guid: first.user.guid } } }),
    );
    expect(read.user).toEqual(first.user);
  });

  it('answers one user to concurrent creations with the same id', async () => {
    const id = uniqueId('racing');

    const answers = await Promise.all(
      Array.from({ length: 8 }, () => api.typed.POST('/users', { body: { user: { id } } })),
    );

    const statuses = answers.map((a) => a.response.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.every((s) => s === 200 || s === 201)).toBe(true);
    expect(new Set(answers.map((a) => a.data?.user.guid)).size).toBe(1);
  });

  it('creates a user without an id, a new one each time', async () => {
    const first = expectOk(await api.typed.POST('/users', { body: { user: { email: 'no-id@example.com' } } }), 201);
    const second = expectOk(await api.typed.POST('/users', { body: { user: { email: 'no-id@example.com' } } }), 201);

    expect(first.user).toMatchObject({ id: null, email: 'no-id@example.com', metadata: null });
    expect(second.user.guid).not.toBe(first.user.guid);
  });

  it.each([
    ['an empty user', { user: {} }, 'user'],
    ['no user envelope', {}, 'user'],
    ['a user that is not an object', { user: 'ada' }, 'user'],
    ['a field the API does not take', { user: { id: 'x', nickname: 'ada' } }, 'user.nickname'],
    ['a field next to the envelope', { user: { id: 'x' }, extra: true }, 'extra'],
    ['an invalid email', { user: { email: 'not-an-email' } }, 'user.email'],
    ['an empty id', { user: { id: '' } }, 'user.id'],
    ['an id that is not a string', { user: { id: 42 } }, 'user.id'],
    ['metadata that is too long', { user: { id: 'x', metadata: 'm'.repeat(4097) } }, 'user.metadata'],
    ['a body that is JSON null', null, 'body'],
  ])('refuses %s (400 VALIDATION_FAILED naming the field) without asking MX', async (_, body, field) => {
    const mxCreatesBefore = h.mxRequests('POST /users');

    const refused = await api.send('POST', '/users', {
      raw: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' },
    });

    expectError(refused, 400, 'VALIDATION_FAILED', field);
    expect(h.mxRequests('POST /users')).toBe(mxCreatesBefore);
  });

  it('refuses malformed JSON (400 INVALID_JSON)', async () => {
    const refused = await api.send('POST', '/users', {
      raw: '{"user": {"id": "x"',
      headers: { 'Content-Type': 'application/json' },
    });

    expectError(refused, 400, 'INVALID_JSON');
  });

  it('refuses a body that is not sent as JSON (415 UNSUPPORTED_MEDIA_TYPE)', async () => {
    const refused = await api.send('POST', '/users', {
      raw: JSON.stringify({ user: { id: 'x' } }),
      headers: { 'Content-Type': 'text/plain' },
    });

    expectError(refused, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('takes a JSON media type with a charset or a +json suffix', async () => {
    const withCharset = await api.send('POST', '/users', {
      raw: JSON.stringify({ user: { id: uniqueId('charset') } }),
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });
    const suffixed = await api.send('POST', '/users', {
      raw: JSON.stringify({ user: { id: uniqueId('suffix') } }),
      headers: { 'Content-Type': 'application/vnd.api+json' },
    });

    expect(withCharset.status).toBe(201);
    expect(suffixed.status).toBe(201);
  });

  it('refuses a request without a body (400 BODY_REQUIRED)', async () => {
    const refused = await api.send('POST', '/users');

    expectError(refused, 400, 'BODY_REQUIRED');
  });

  it('refuses a body larger than 256 KiB (413 BODY_TOO_LARGE)', async () => {
    // Raw: the document does not describe a body over the size limit.
    const refused = await api.post('/users', { user: { id: 'big', metadata: 'm'.repeat(300 * 1024) } });

    expectError(refused, 413, 'BODY_TOO_LARGE');
  });
});

describe('GET /users/{user_guid}', () => {
  it('answers a user created through the API, as the typed client reads it', async () => {
    const created = expectOk(await api.typed.POST('/users', { body: { user: { id: uniqueId('reader') } } }), 201);

    const read = await api.typed.GET('/users/{user_guid}', { params: { path: { user_guid: created.user.guid } } });

    expect(expectOk(read)).toEqual({ user: created.user });
    expect(read.response.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('answers 404 naming user_guid for a guid it does not know', async () => {
    const read = await api.typed.GET('/users/{user_guid}', { params: { path: { user_guid: UNKNOWN_USER } } });

    expectRefusal(read, 404, 'NOT_FOUND', 'user_guid');
  });

  it('answers 404 for a user that exists at MX but was never created through the API', async () => {
    const foreign = await h.mx.createUser({ id: uniqueId('mx-only') });

    const read = await api.typed.GET('/users/{user_guid}', { params: { path: { user_guid: String(foreign.guid) } } });

    expectRefusal(read, 404, 'NOT_FOUND', 'user_guid');
  });

  it.each(['not-a-guid', 'MBR-123', 'USR-', 'USR-has%20space'])(
    'refuses the malformed guid %s (400 INVALID_PARAMETER naming user_guid)',
    async (guid) => {
      // Raw: the typed client would percent-encode the guid, and the path as written is what is refused.
      expectError(await api.get(`/users/${guid}`), 400, 'INVALID_PARAMETER', 'user_guid');
    },
  );
});

describe('POST /users/{user_guid}/widget_urls', () => {
  it('answers a Connect widget URL from MX', async () => {
    const user_guid = await createUser(api, uniqueId('widget'));

    const widget = await api.typed.POST('/users/{user_guid}/widget_urls', {
      params: { path: { user_guid } },
      body: { widget_url: { widget_type: 'connect_widget', mode: 'verification' } },
    });

    expect(expectOk(widget)).toEqual({
      widget_url: { type: 'connect_widget', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/widgets\//) },
    });
  });

  it("passes MX's documented Connect options through to MX", async () => {
    const user_guid = await createUser(api, uniqueId('widget-options'));

    const widget = await api.typed.POST('/users/{user_guid}/widget_urls', {
      params: { path: { user_guid } },
      body: {
        widget_url: {
          mode: 'verification',
          color_scheme: 'dark',
          disable_background_agg: true,
          disable_institution_search: true,
          current_institution_code: 'mxbank',
          enable_app2app: false,
          include_identity: true,
          oauth_referral_source: 'BROWSER',
          ui_message_version: 4,
        },
      },
    });

    // The simulator's widget URL carries the options MX received.
    const received = Object.fromEntries(new URL(expectOk(widget).widget_url.url).searchParams);
    expect(received).toMatchObject({
      mode: 'verification',
      color_scheme: 'dark',
      disable_background_agg: 'true',
      disable_institution_search: 'true',
      enable_app2app: 'false',
      include_identity: 'true',
      oauth_referral_source: 'BROWSER',
      ui_message_version: '4',
    });
  });

  it('defaults the widget type to the Connect widget', async () => {
    const user_guid = await createUser(api, uniqueId('widget-default'));

    const widget = await api.typed.POST('/users/{user_guid}/widget_urls', {
      params: { path: { user_guid } },
      body: { widget_url: {} },
    });

    expect(expectOk(widget).widget_url.type).toBe('connect_widget');
  });

  it('answers 404 naming user_guid for an unknown user, without asking MX', async () => {
    const widgetCallsBefore = h.mxRequests('POST /users/{user_guid}/widget_urls');

    const refused = await api.typed.POST('/users/{user_guid}/widget_urls', {
      params: { path: { user_guid: UNKNOWN_USER } },
      body: { widget_url: { widget_type: 'connect_widget' } },
    });

    expectRefusal(refused, 404, 'NOT_FOUND', 'user_guid');
    expect(h.mxRequests('POST /users/{user_guid}/widget_urls')).toBe(widgetCallsBefore);
  });

  it.each([
    ['an unknown mode', { widget_url: { mode: 'everything' } }, 'widget_url.mode'],
    ['an unknown widget type', { widget_url: { widget_type: 'budgets_widget' } }, 'widget_url.widget_type'],
    ['a malformed member guid', { widget_url: { current_member_guid: 'USR-1' } }, 'widget_url.current_member_guid'],
    ['a field the API does not take', { widget_url: { theme: 'dark' } }, 'widget_url.theme'],
    ['an unknown color scheme', { widget_url: { color_scheme: 'purple' } }, 'widget_url.color_scheme'],
    [
      'a webview scheme that is a URL, not a scheme',
      { widget_url: { ui_message_webview_url_scheme: 'myapp://x' } },
      'widget_url.ui_message_webview_url_scheme',
    ],
    [
      'a referral source MX does not know',
      { widget_url: { oauth_referral_source: 'WEB' } },
      'widget_url.oauth_referral_source',
    ],
    [
      'a postMessage version that is not 1 to 4',
      { widget_url: { ui_message_version: 4.5 } },
      'widget_url.ui_message_version',
    ],
    [
      'a background-aggregation flag that is not a boolean',
      { widget_url: { disable_background_agg: 'yes' } },
      'widget_url.disable_background_agg',
    ],
    ['no widget_url envelope', {}, 'widget_url'],
  ])('refuses %s (400 VALIDATION_FAILED naming the field)', async (_, body, field) => {
    const userGuid = await createUser(api, uniqueId('widget-bad'));

    // Raw: each body breaks the document on purpose.
    expectError(await api.post(`/users/${userGuid}/widget_urls`, body), 400, 'VALIDATION_FAILED', field);
  });

  it('refuses a widget request without a body (400 BODY_REQUIRED)', async () => {
    const userGuid = await createUser(api, uniqueId('widget-empty'));

    expectError(await api.send('POST', `/users/${userGuid}/widget_urls`), 400, 'BODY_REQUIRED');
  });
});

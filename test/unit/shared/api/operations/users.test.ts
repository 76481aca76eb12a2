import { describe, expect, it } from 'vitest';
import { MxError } from '#shared/mx/index.js';
import { apiHandlersOver, aUser, callApi, fakeApiDeps } from '#test/support/fakes/api-deps.js';

const mxUser = (guid: string, id: string | null) => ({ guid, id, email: null, metadata: null, is_disabled: false });

describe('createUser', () => {
  it('answers the user already stored for this id (200) without asking MX', async () => {
    const deps = fakeApiDeps({ users: [aUser('USR-1', { id: 'customer-42' })] });

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users', { json: { user: { id: 'customer-42' } } });

    expect(answer.status).toBe(200);
    expect(answer.body.user).toMatchObject({ guid: 'USR-1', id: 'customer-42' });
    expect(deps.mxCalls).toEqual([]);
  });

  it('creates the user at MX and stores it (201)', async () => {
    const deps = fakeApiDeps({ mx: { createUser: async () => mxUser('USR-new', 'customer-7') } });

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users', { json: { user: { id: 'customer-7' } } });

    expect(answer.status).toBe(201);
    expect(answer.body.user).toMatchObject({ guid: 'USR-new', id: 'customer-7' });
    expect(await deps.users.getUser('USR-new')).toMatchObject({ id: 'customer-7' });
  });

  it('adopts the user MX already holds for this id when MX answers a conflict', async () => {
    const deps = fakeApiDeps({
      mx: {
        createUser: async () => {
          throw new MxError({ operation: 'createUser', code: 'MX_CONFLICT', status: 409 });
        },
        listUsers: async function* () {
          yield {
            items: [mxUser('USR-other', 'someone-else'), mxUser('USR-held', 'customer-9')],
            totalEntries: 2,
          } as never;
        },
      },
    });

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users', { json: { user: { id: 'customer-9' } } });

    expect(answer.status).toBe(201);
    expect(answer.body.user.guid).toBe('USR-held');
  });

  it('passes MX conflict on when MX holds no user with this id (409 MX_CONFLICT)', async () => {
    const deps = fakeApiDeps({
      mx: {
        createUser: async () => {
          throw new MxError({ operation: 'createUser', code: 'MX_CONFLICT', status: 409 });
        },
        listUsers: async function* () {},
      },
    });

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users', { json: { user: { id: 'customer-9' } } });

    expect(answer).toMatchObject({ status: 409, body: { error: { code: 'MX_CONFLICT' } } });
  });

  it('refuses an empty user (400 VALIDATION_FAILED naming the field) without asking MX', async () => {
    const deps = fakeApiDeps();

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users', { json: { user: {} } });

    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', field: 'user' } } });
    expect(deps.mxCalls).toEqual([]);
  });
});

describe('readUser', () => {
  it('reads a stored user', async () => {
    const deps = fakeApiDeps({ users: [aUser('USR-1', { email: 'a@example.com' })] });

    const answer = await callApi(apiHandlersOver(deps), 'GET', '/users/USR-1');

    expect(answer).toMatchObject({ status: 200, body: { user: { guid: 'USR-1', email: 'a@example.com' } } });
  });

  it('answers 404 naming user_guid for a user it does not know', async () => {
    const answer = await callApi(apiHandlersOver(fakeApiDeps()), 'GET', '/users/USR-unknown');

    expect(answer).toEqual({
      status: 404,
      headers: expect.anything(),
      body: { error: { code: 'NOT_FOUND', message: 'user was not found', field: 'user_guid' } },
    });
  });
});

describe('requestWidgetUrl', () => {
  it("answers MX's widget URL with its type", async () => {
    const deps = fakeApiDeps({
      users: [aUser('USR-1')],
      mx: { requestWidgetUrl: async () => ({ type: 'connect_widget', url: 'https://widgets.example/1' }) },
    });

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users/USR-1/widget_urls', {
      json: { widget_url: {} },
    });

    expect(answer).toMatchObject({
      status: 200,
      body: { widget_url: { type: 'connect_widget', url: 'https://widgets.example/1' } },
    });
  });

  it("asks an Atrium MX for the user's connect_widget_url instead", async () => {
    const deps = fakeApiDeps({
      users: [aUser('USR-1')],
      mx: {
        dialect: 'atrium',
        requestConnectWidgetUrl: async () => ({ connect_widget_url: 'https://atrium.example/w' }),
      },
    });

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users/USR-1/widget_urls', {
      json: { widget_url: {} },
    });

    expect(answer.body).toEqual({ widget_url: { type: 'connect_widget', url: 'https://atrium.example/w' } });
    expect(deps.mxCalls).toEqual(['requestConnectWidgetUrl']);
  });

  it('answers 502 MX_UNAVAILABLE when Atrium gives no URL', async () => {
    const deps = fakeApiDeps({
      users: [aUser('USR-1')],
      mx: { dialect: 'atrium', requestConnectWidgetUrl: async () => ({ connect_widget_url: '' }) },
    });

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users/USR-1/widget_urls', {
      json: { widget_url: {} },
    });

    expect(answer).toMatchObject({ status: 502, body: { error: { code: 'MX_UNAVAILABLE' } } });
  });
});

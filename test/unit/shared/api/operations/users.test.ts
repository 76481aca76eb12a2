import { describe, expect, it } from 'vitest';
import { MxError } from '#shared/mx/index.js';
import { aMember, apiHandlersOver, aUser, callApi, fakeApiDeps } from '#test/support/fakes/api-deps.js';

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

describe('deleteUser', () => {
  it('answers 202 with a deletion of the user and all its members, starting the deletion workflow', async () => {
    const deps = fakeApiDeps({ users: [aUser()], members: [aMember('MBR-1'), aMember('MBR-2')] });

    const answer = await callApi(apiHandlersOver(deps), 'DELETE', '/users/USR-1');

    expect(answer.status).toBe(202);
    expect(answer.body.deletion).toMatchObject({
      scope: 'user',
      user_guid: 'USR-1',
      member_guids: ['MBR-1', 'MBR-2'],
      status: 'RUNNING',
      cancelled_jobs: [],
      deleted_at_mx: false,
      items_deleted: 0,
      finished_at: null,
    });
    expect(answer.headers.Location).toBe(`/deletions/${answer.body.deletion.guid}`);
    expect(deps.sfn.started.map((s) => s.stateMachineArn)).toEqual([deps.deletionStateMachineArn]);
    expect((await deps.users.getUser('USR-1'))?.deletion_guid).toBe(answer.body.deletion.guid);
    expect(deps.mxCalls).toEqual([]);
  });

  it('refuses a new member for a user being deleted (409 USER_BEING_DELETED), without asking MX', async () => {
    const deps = fakeApiDeps({ users: [aUser()] });
    await callApi(apiHandlersOver(deps), 'DELETE', '/users/USR-1');

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users/USR-1/members', {
      json: { member: { institution_code: 'mxbank', credentials: [{ guid: 'CRD-1', value: 'x' }] } },
    });

    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('USER_BEING_DELETED');
    expect(deps.mxCalls).toEqual([]);
  });

  it('answers 404 naming user_guid for a user it does not hold', async () => {
    const deps = fakeApiDeps();

    const answer = await callApi(apiHandlersOver(deps), 'DELETE', '/users/USR-404');

    expect(answer.status).toBe(404);
    expect(answer.body.error.field).toBe('user_guid');
    expect(deps.sfn.started).toEqual([]);
  });
});

describe('readDeletion', () => {
  it('reads a deletion by its guid, and answers 404 for an unknown one', async () => {
    const deps = fakeApiDeps({ users: [aUser()] });
    const { body } = await callApi(apiHandlersOver(deps), 'DELETE', '/users/USR-1');

    const read = await callApi(apiHandlersOver(deps), 'GET', `/deletions/${body.deletion.guid}`);
    const unknown = await callApi(apiHandlersOver(deps), 'GET', `/deletions/DEL-${'0'.repeat(32)}`);
    const malformed = await callApi(apiHandlersOver(deps), 'GET', '/deletions/DEL-x');

    expect(read.body.deletion).toEqual(body.deletion);
    expect(unknown.status).toBe(404);
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.field).toBe('deletion_guid');
  });
});

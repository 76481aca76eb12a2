import { describe, expect, it } from 'vitest';
import { MxError } from '#shared/mx/index.js';
import { aMember, apiHandlersOver, aUser, callApi, fakeApiDeps, NOW } from '#test/support/fakes/api-deps.js';

const MEMBER = '/users/USR-1/members/MBR-1';
const create = (member: Record<string, unknown>) => ({ member: { institution_code: 'mxbank', ...member } });
const credentials = [{ guid: 'CRD-user', value: 'jane' }];
const mxMember = (guid: string, extra: Record<string, unknown> = {}) =>
  ({ guid, institution_code: 'mxbank', is_oauth: false, connection_status: 'CREATED', ...extra }) as never;
const refused = (code: 'MX_CONFLICT' | 'MX_FORBIDDEN' | 'MX_UNPROCESSABLE', status: number) => async () => {
  throw new MxError({ operation: 'createMember', code, status });
};
const membersPage = (items: unknown[], totalEntries = items.length) =>
  async function* () {
    yield { items, totalEntries } as never;
  };

describe('createMember', () => {
  it('creates the member at MX and follows its first aggregation (201 with the job)', async () => {
    const deps = fakeApiDeps({
      users: [aUser()],
      mx: { createMember: async () => ({ member: mxMember('MBR-new'), httpStatus: 202 }) as never },
    });

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users/USR-1/members', {
      json: create({ credentials }),
    });

    expect(answer.status).toBe(201);
    expect(answer.body.member).toMatchObject({ guid: 'MBR-new', institution_code: 'mxbank' });
    expect(answer.body.job).toMatchObject({ type: 'aggregate', status: 'RUNNING' });
    expect(answer.headers.Location).toBe('/users/USR-1/members/MBR-new');
    expect(deps.sfn.started[0]?.input).toMatchObject({ observeOnly: true });
  });

  it('keeps the credentials out of everything it stores and starts', async () => {
    const deps = fakeApiDeps({
      users: [aUser()],
      mx: { createMember: async () => ({ member: mxMember('MBR-new'), httpStatus: 202 }) as never },
    });

    await callApi(apiHandlersOver(deps), 'POST', '/users/USR-1/members', {
      json: create({ credentials: [{ guid: 'CRD-p', value: 'hunter2' }] }),
    });

    const kept = JSON.stringify([
      [...deps.members.members.values()],
      deps.sfn.started,
      [...deps.idempotency.keys.values()],
    ]);
    expect(kept).not.toContain('hunter2');
  });

  it('starts no job with skip_aggregation', async () => {
    const deps = fakeApiDeps({
      users: [aUser()],
      mx: { createMember: async () => ({ member: mxMember('MBR-new'), httpStatus: 202 }) as never },
    });

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users/USR-1/members', {
      json: create({ credentials, skip_aggregation: true }),
    });

    expect(answer.body.job).toBeUndefined();
    expect(deps.sfn.started).toEqual([]);
  });

  it('adopts the one member MX holds at this institution when MX calls the create a duplicate (200, adopted)', async () => {
    const deps = fakeApiDeps({
      users: [aUser()],
      mx: {
        createMember: refused('MX_CONFLICT', 409),
        listMembers: membersPage([mxMember('MBR-held'), mxMember('MBR-x', { institution_code: 'otherbank' })]),
      },
    });

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users/USR-1/members', {
      json: create({ credentials, skip_aggregation: true }),
    });

    expect(answer).toMatchObject({ status: 200, body: { member: { guid: 'MBR-held' }, adopted: true } });
  });

  it('adopts none of several members at the institution (409 MEMBER_EXISTS)', async () => {
    const deps = fakeApiDeps({
      users: [aUser()],
      mx: {
        createMember: refused('MX_CONFLICT', 409),
        listMembers: membersPage([mxMember('MBR-a'), mxMember('MBR-b')]),
      },
    });

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users/USR-1/members', {
      json: create({ credentials }),
    });

    expect(answer).toMatchObject({ status: 409, body: { error: { code: 'MEMBER_EXISTS' } } });
  });

  it("explains MX's refusal at the member limit (409 MEMBER_LIMIT_REACHED)", async () => {
    const deps = fakeApiDeps({
      users: [aUser()],
      mx: {
        createMember: refused('MX_UNPROCESSABLE', 422),
        readUser: async () => ({ guid: 'USR-1', is_disabled: false }) as never,
        listMembers: membersPage([], 25),
        listInstitutionCredentials: async () => [],
      },
    });

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users/USR-1/members', {
      json: create({ credentials }),
    });

    expect(answer.body.error).toEqual({
      code: 'MEMBER_LIMIT_REACHED',
      message: 'the user already has 25 members; MX allows at most 25 per user, so delete one first',
    });
  });

  it("explains MX's bare 403 for a disabled user (409 USER_DISABLED)", async () => {
    const deps = fakeApiDeps({
      users: [aUser()],
      mx: {
        createMember: refused('MX_FORBIDDEN', 403),
        readUser: async () => ({ guid: 'USR-1', is_disabled: true }) as never,
        listMembers: membersPage([]),
        listInstitutionCredentials: async () => [],
      },
    });

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users/USR-1/members', {
      json: create({ credentials }),
    });

    expect(answer).toMatchObject({ status: 409, body: { error: { code: 'USER_DISABLED', field: 'user_guid' } } });
  });

  it('names the credential whose value is not one of its options (400 VALIDATION_FAILED)', async () => {
    const deps = fakeApiDeps({
      users: [aUser()],
      mx: {
        createMember: refused('MX_UNPROCESSABLE', 422),
        readUser: async () => ({ guid: 'USR-1', is_disabled: false }) as never,
        listMembers: membersPage([]),
        listInstitutionCredentials: async () =>
          [{ guid: 'CRD-user' }, { guid: 'CRD-pick', options: [{ value: 'a' }] }] as never,
      },
    });

    const body = create({ credentials: [...credentials, { guid: 'CRD-pick', value: 'z' }] });
    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users/USR-1/members', { json: body });

    expect(answer).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', field: 'member.credentials.1.value' } },
    });
  });

  it('refuses a member without credentials unless it is OAuth (400 naming member.credentials)', async () => {
    const deps = fakeApiDeps({ users: [aUser()] });

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users/USR-1/members', { json: create({}) });

    expect(answer).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', field: 'member.credentials' } },
    });
    expect(deps.mxCalls).toEqual([]);
  });
});

describe('createMember: how the end user comes back from OAuth', () => {
  const oauthMember = { institution_code: 'mx_bank_oauth', is_oauth: true };

  it.each([
    [
      'an app’s referral_source, client_redirect_url, ui_message_webview_url_scheme and enable_app2app',
      {
        referral_source: 'APP',
        client_redirect_url: 'myapp://connected',
        ui_message_webview_url_scheme: 'myapp',
        enable_app2app: false,
      },
    ],
    // MX's guide asks every OAuth member for one; MX uses it only with APP.
    ['a browser’s client_redirect_url', { client_redirect_url: 'https://fintech.example/connected' }],
  ])('passes %s to MX', async (_, referral) => {
    const sent: unknown[] = [];
    const deps = fakeApiDeps({
      users: [aUser()],
      clientRedirectSchemes: ['myapp'],
      mx: {
        createMember: async (_user, request) => {
          sent.push(request);
          return { member: mxMember('MBR-new', { is_oauth: true, connection_status: 'PENDING' }), httpStatus: 200 };
        },
      },
    });

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users/USR-1/members', {
      json: { member: oauthMember, ...referral },
    });

    expect(answer.status).toBe(201);
    expect(sent).toEqual([{ member: { ...oauthMember, credentials: [] }, ...referral }]);
  });

  it('sends MX none of them when none is given (MX applies its defaults: BROWSER, app2app on)', async () => {
    const sent: Record<string, unknown>[] = [];
    const deps = fakeApiDeps({
      users: [aUser()],
      mx: {
        createMember: async (_user, request) => {
          sent.push(JSON.parse(JSON.stringify(request)));
          return { member: mxMember('MBR-new', { is_oauth: true, connection_status: 'PENDING' }), httpStatus: 200 };
        },
      },
    });

    await callApi(apiHandlersOver(deps), 'POST', '/users/USR-1/members', { json: { member: oauthMember } });

    expect(Object.keys(sent[0] ?? {})).toEqual(['member']);
  });

  it.each([
    ['APP without a client_redirect_url', { referral_source: 'APP' }, 'client_redirect_url'],
    ['a referral_source MX does not know', { referral_source: 'WEBVIEW' }, 'referral_source'],
    ['enable_app2app that is not a boolean', { enable_app2app: 'no' }, 'enable_app2app'],
    [
      'an app scheme the deployment does not allow',
      { referral_source: 'APP', client_redirect_url: 'otherapp://x' },
      'client_redirect_url',
    ],
  ])('refuses %s (400 naming %s), asking MX nothing', async (_, referral, field) => {
    const deps = fakeApiDeps({ users: [aUser()], clientRedirectSchemes: ['myapp'] });

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users/USR-1/members', {
      json: { member: oauthMember, ...referral },
    });

    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', field } } });
    expect(deps.mxCalls).toEqual([]);
  });
});

describe('reading and listing members', () => {
  it('shows each member with the connection status its latest job saw', async () => {
    const deps = fakeApiDeps({
      users: [aUser()],
      members: [aMember('MBR-1', 'USR-1', { connection_status: 'CREATED' })],
    });
    deps.jobs.add(
      { jobGuid: 'JOB-000000000001-0000000000000001', userGuid: 'USR-1', memberGuid: 'MBR-1', type: 'verify' },
      { connection_status: 'CONNECTED' },
    );

    const list = await callApi(apiHandlersOver(deps), 'GET', '/users/USR-1/members');
    const read = await callApi(apiHandlersOver(deps), 'GET', MEMBER);

    expect(list.body.members[0].connection_status).toBe('CONNECTED');
    expect(read.body).toMatchObject({ member: { connection_status: 'CONNECTED' }, job: { type: 'verify' } });
  });

  it("answers another user's member as unknown (404 naming member_guid)", async () => {
    const deps = fakeApiDeps({ users: [aUser(), aUser('USR-2')], members: [aMember('MBR-1', 'USR-2')] });

    const answer = await callApi(apiHandlersOver(deps), 'GET', MEMBER);

    expect(answer).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND', field: 'member_guid' } } });
  });

  it('answers an unknown user as 404 naming user_guid', async () => {
    const answer = await callApi(apiHandlersOver(fakeApiDeps()), 'GET', '/users/USR-9/members');

    expect(answer).toMatchObject({ status: 404, body: { error: { field: 'user_guid' } } });
  });
});

describe('updateMemberCredentials', () => {
  /** USR-1's member MBR-1, with the updates MX is sent kept in order. */
  function memberRecordingUpdates(now?: Date) {
    const updates: unknown[] = [];
    const deps = fakeApiDeps({
      users: [aUser()],
      members: [aMember()],
      mx: { updateMember: async (...args: unknown[]) => void updates.push(args) as never },
      ...(now ? { now } : {}),
    });
    return { deps, updates };
  }

  it('sends the new credentials to MX and follows the aggregation they start (202)', async () => {
    const { deps, updates } = memberRecordingUpdates();

    const answer = await callApi(apiHandlersOver(deps), 'PUT', MEMBER, { json: { member: { credentials } } });

    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ member: { guid: 'MBR-1' }, job: { type: 'aggregate' } });
    expect(updates).toEqual([['USR-1', 'MBR-1', { credentials }]]);
  });

  it('refuses while a job runs, naming it (409 JOB_RUNNING)', async () => {
    const deps = fakeApiDeps({ users: [aUser()], members: [aMember()] });
    deps.jobs.lock('MBR-1', { job_guid: 'JOB-000000000001-0000000000000001', job_type: 'identify', expires_at: 2e9 });

    const answer = await callApi(apiHandlersOver(deps), 'PUT', MEMBER, { json: { member: { credentials } } });

    expect(answer.body.error).toEqual({
      code: 'JOB_RUNNING',
      message:
        'an identify job (JOB-000000000001-0000000000000001) is running on this member; update it when the job ends',
    });
  });

  it('holds the member through the second its lock expires, as a job start sees the lock: MX is not sent the credentials', async () => {
    // Halfway through the second the lock expires in.
    const { deps, updates } = memberRecordingUpdates(new Date(NOW.getTime() + 500));
    const job = { job_guid: 'JOB-000000000001-0000000000000001', job_type: 'identify' } as const;
    deps.jobs.lock('MBR-1', { ...job, expires_at: NOW.getTime() / 1000 });
    const handlers = apiHandlersOver(deps);

    const during = await callApi(handlers, 'PUT', MEMBER, { json: { member: { credentials } } });
    const sentDuring = updates.length;
    deps.jobs.lock('MBR-1', { ...job, expires_at: NOW.getTime() / 1000 - 1 });
    const after = await callApi(handlers, 'PUT', MEMBER, { json: { member: { credentials } } });

    expect(during).toMatchObject({ status: 409, body: { error: { code: 'JOB_RUNNING' } } });
    expect(sentDuring).toBe(0);
    expect(after.status).toBe(202);
    expect(updates).toHaveLength(1);
  });
});

describe('deleteMember', () => {
  it('answers 202 with a deletion to follow, marks the member and starts the deletion workflow', async () => {
    const deps = fakeApiDeps({ users: [aUser()], members: [aMember()] });

    const answer = await callApi(apiHandlersOver(deps), 'DELETE', MEMBER);

    expect(answer.status).toBe(202);
    expect(answer.body.deletion).toMatchObject({
      scope: 'member',
      user_guid: 'USR-1',
      member_guids: ['MBR-1'],
      status: 'RUNNING',
    });
    expect(answer.headers.Location).toBe(`/deletions/${answer.body.deletion.guid}`);
    expect(answer.body.warnings).toEqual([]);
    expect(deps.sfn.started).toEqual([
      {
        stateMachineArn: deps.deletionStateMachineArn,
        name: answer.body.deletion.guid,
        input: { deletionGuid: answer.body.deletion.guid },
      },
    ]);
    expect((await deps.members.getMember('USR-1', 'MBR-1'))?.deletion_guid).toBe(answer.body.deletion.guid);
    // Nothing is deleted at MX or here by the request itself: the workflow does it.
    expect(deps.mxCalls).toEqual([]);
  });

  it('answers the deletion under way when asked again, starting no second one', async () => {
    const deps = fakeApiDeps({ users: [aUser()], members: [aMember()] });
    const first = await callApi(apiHandlersOver(deps), 'DELETE', MEMBER);

    const again = await callApi(apiHandlersOver(deps), 'DELETE', MEMBER);

    expect(again.status).toBe(202);
    expect(again.body.deletion.guid).toBe(first.body.deletion.guid);
    expect(deps.deletions.deletions.size).toBe(1);
    expect(deps.sfn.started).toHaveLength(1);
  });

  it('warns in plain words that the one stored account number goes with it, and a Chase TAN is revoked', async () => {
    const deps = fakeApiDeps({
      users: [aUser()],
      members: [aMember('MBR-1', 'USR-1', { institution_code: 'chase', is_oauth: true })],
    });
    await deps.results.putResults('MBR-1', 'account_numbers', 'JOB-x', [{ guid: 'ACN-1' }]);
    await deps.results.publishResults('MBR-1', 'JOB-x', ['account_numbers']);

    const answer = await callApi(apiHandlersOver(deps), 'DELETE', MEMBER);

    expect(answer.status).toBe(202);
    expect(answer.body.deleted).toEqual({ member_guid: 'MBR-1', account_numbers: 1, tokenized_account_numbers: 1 });
    expect(answer.body.warnings.map((w: { code: string }) => w.code)).toEqual([
      'ACCOUNT_NUMBERS_UNUSABLE',
      'TOKENIZED_ACCOUNT_NUMBERS_REVOKED',
    ]);
    expect(answer.body.warnings[0].message).toMatch(/^the 1 account number stored for this member was deleted/);
  });

  it('refuses new jobs and new credentials on a member being deleted (409 MEMBER_BEING_DELETED)', async () => {
    const deps = fakeApiDeps({ users: [aUser()], members: [aMember()] });
    const deleting = await callApi(apiHandlersOver(deps), 'DELETE', MEMBER);

    const started = await callApi(apiHandlersOver(deps), 'POST', `${MEMBER}/aggregate`, { json: {} });
    const updated = await callApi(apiHandlersOver(deps), 'PUT', MEMBER, {
      json: { member: { credentials: [{ guid: 'CRD-1', value: 'x' }] } },
    });

    for (const answer of [started, updated]) {
      expect(answer.status).toBe(409);
      expect(answer.body.error.code).toBe('MEMBER_BEING_DELETED');
      expect(answer.body.error.message).toContain(deleting.body.deletion.guid);
    }
    expect(deps.mxCalls).toEqual([]);
  });
});

describe("a member's connection status", () => {
  const job = { jobGuid: 'JOB-1', userGuid: 'USR-1', memberGuid: 'MBR-1', type: 'aggregate' as const };

  it("is its latest job's, unless MX was read after that job ended (a webhook about a background run)", async () => {
    const readAfter = aMember('MBR-1', 'USR-1', {
      connection_status: 'DENIED',
      connection_status_at: '2026-12-02T00:00:00.000Z',
    });
    const readBefore = { ...readAfter, connection_status_at: '2026-11-30T00:00:00.000Z' };
    const answers = [];
    for (const member of [readAfter, readBefore]) {
      const deps = fakeApiDeps({ users: [aUser()], members: [member] });
      deps.jobs.add(job, {
        status: 'SUCCEEDED',
        connection_status: 'CONNECTED',
        updated_at: '2026-12-01T00:00:00.000Z',
      });
      answers.push(await callApi(apiHandlersOver(deps), 'GET', MEMBER));
    }

    expect(answers.map((a) => a.body.member.connection_status)).toEqual(['DENIED', 'CONNECTED']);
    expect(answers[0]?.body.job).toMatchObject({ status: 'SUCCEEDED', connection_status: 'CONNECTED' });
  });
});

describe('a fresh OAuth window (POST …/oauth_window_uri, and PUT for an OAuth member)', () => {
  const WINDOW = `${MEMBER}/oauth_window_uri`;
  const JOB = 'JOB-000000000001-0000000000000001';
  const oauthMember = aMember('MBR-1', 'USR-1', {
    institution_code: 'mx_bank_oauth',
    is_oauth: true,
    connection_status: 'PENDING',
    oauth_window_uri: 'https://mx.example/oauth/old',
  });
  const mxAt = (connection_status: string, asked: unknown[] = []) => ({
    readMember: async () => ({ guid: 'MBR-1', is_oauth: true, connection_status }) as never,
    requestOAuthWindowUri: async (...args: unknown[]) => {
      asked.push(args);
      return { guid: 'MBR-1', oauth_window_uri: 'https://mx.example/oauth/new' };
    },
  });

  it('hands the job waiting for the end user (ACTION_REQUIRED) the new window, passing MX the query', async () => {
    const asked: unknown[] = [];
    const deps = fakeApiDeps({ users: [aUser()], members: [oauthMember], mx: mxAt('PENDING', asked) });
    deps.jobs.add(
      { jobGuid: JOB, userGuid: 'USR-1', memberGuid: 'MBR-1', type: 'aggregate' },
      { status: 'ACTION_REQUIRED', oauth_window_uri: 'https://mx.example/oauth/old' },
    );
    deps.jobs.lock('MBR-1', { job_guid: JOB, job_type: 'aggregate', expires_at: 2e9 });

    const answer = await callApi(apiHandlersOver(deps), 'POST', WINDOW, {
      json: { referral_source: 'BROWSER', enable_app2app: false },
    });

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      member: { oauth_window_uri: 'https://mx.example/oauth/new' },
      job: { guid: JOB, status: 'ACTION_REQUIRED', oauth_window_uri: 'https://mx.example/oauth/new' },
    });
    expect(asked).toEqual([['USR-1', 'MBR-1', { referral_source: 'BROWSER', enable_app2app: false }]]);
    expect(deps.jobs.job('MBR-1', JOB)?.oauth_window_uri).toBe('https://mx.example/oauth/new');
    expect(deps.sfn.started).toEqual([]);
  });

  it('starts a job that follows the aggregation once the window is finished when none runs (202)', async () => {
    const deps = fakeApiDeps({ users: [aUser()], members: [oauthMember], mx: mxAt('DENIED') });

    const answer = await callApi(apiHandlersOver(deps), 'POST', WINDOW, { json: {} });

    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({
      member: { oauth_window_uri: 'https://mx.example/oauth/new' },
      job: { type: 'aggregate', status: 'RUNNING', member_guid: oauthMember.guid },
    });
    expect(deps.sfn.started[0]?.input).toMatchObject({ observeOnly: true, isOauth: true });
  });

  it('re-authenticates an OAuth member without credentials through PUT …/members/{m}', async () => {
    const deps = fakeApiDeps({ users: [aUser()], members: [oauthMember], mx: mxAt('EXPIRED') });

    const answer = await callApi(apiHandlersOver(deps), 'PUT', MEMBER, { json: {} });

    expect(answer.status).toBe(202);
    expect(answer.body.member.oauth_window_uri).toBe('https://mx.example/oauth/new');
  });

  it('refuses a member that is not OAuth (409 MEMBER_NOT_OAUTH), asking MX nothing', async () => {
    const deps = fakeApiDeps({ users: [aUser()], members: [aMember()] });

    const answer = await callApi(apiHandlersOver(deps), 'POST', WINDOW, { json: {} });

    expect(answer).toMatchObject({ status: 409, body: { error: { code: 'MEMBER_NOT_OAUTH' } } });
    expect(deps.mxCalls).toEqual([]);
  });

  it('refuses an OAuth member that is connected (409 MEMBER_NOT_WAITING_FOR_OAUTH naming its status)', async () => {
    const deps = fakeApiDeps({ users: [aUser()], members: [oauthMember], mx: mxAt('CONNECTED') });

    const answer = await callApi(apiHandlersOver(deps), 'POST', WINDOW, { json: {} });

    expect(answer).toMatchObject({
      status: 409,
      body: { error: { code: 'MEMBER_NOT_WAITING_FOR_OAUTH', message: expect.stringContaining('CONNECTED') } },
    });
    expect(deps.mxCalls).toEqual(['readMember']);
  });

  it.each([
    ['credentials for an OAuth member', oauthMember, { member: { credentials } }, 'member'],
    ['no credentials for a credentials member', aMember(), {}, 'member'],
    [
      'referral_source for a credentials member',
      aMember(),
      { member: { credentials }, referral_source: 'BROWSER' },
      'referral_source',
    ],
    ['APP without a client_redirect_url', oauthMember, { referral_source: 'APP' }, 'client_redirect_url'],
  ])('PUT refuses %s (400 naming %s)', async (_, member, json, field) => {
    const deps = fakeApiDeps({ users: [aUser()], members: [member] });

    const answer = await callApi(apiHandlersOver(deps), 'PUT', MEMBER, { json });

    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', field } } });
    expect(deps.mxCalls).toEqual([]);
  });
});

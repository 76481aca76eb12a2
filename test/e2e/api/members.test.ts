import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '#shared/api/generated/api-paths.js';
import { executionArnOf } from '#shared/jobs/reconcile-jobs.js';
import {
  type ApiClient,
  createUser,
  credentialsFor,
  deletionEnded,
  ended,
  expectError,
  expectOk,
  expectRefusal,
  status,
  storedItems,
  waitForJob,
} from '#test/support/api-client.js';
import { eventually } from '#test/support/eventually.js';
import {
  API_TEST_POLLING,
  HARNESS_TRANSACTIONS_PER_ACCOUNT,
  startWorkflowHarness,
  type WorkflowHarness,
} from '#test/support/workflow-harness.js';

let h: WorkflowHarness;
let api: ApiClient;

beforeAll(async () => {
  h = await startWorkflowHarness({
    // Jobs take 150 ms; the harness keeps a parked challenge waiting for hours of MX time (seconds),
    // and a job waits 20 minutes of MX time (1.2 s or more here) for an OAuth window: long enough
    // to be opened on a loaded machine, short enough that 120 polls (the cap) see it run out twice.
    simulator: { seed: 'api-members', jobDurationMs: 150_000 },
    environment: { OAUTH_TIMEOUT_SECONDS: '1200', ...API_TEST_POLLING },
  });
  api = h.api();
});
afterAll(async () => h?.stop());

const SENTINEL_PASSWORD = 'S3ntinel-Member-Passw0rd!';
const UNKNOWN_USER = 'USR-00000000-0000-0000-0000-000000000000';
const UNKNOWN_MEMBER = 'MBR-00000000-0000-0000-0000-000000000000';
/** A member's path as written: where Location headers point, and for requests the document cannot express. */
const memberPath = (user: string, member: string) => `/users/${user}/members/${member}`;

type CreateMemberBody = components['schemas']['CreateMemberBody'];
type Credentials = NonNullable<components['schemas']['UpdateMemberBody']['member']>['credentials'];
// The document leaves an MX credential field open (MxRecord), so the fields these tests read are named here.
type CredentialField = { guid: string; field_type: string; options: { label: string; value: string }[] };

const ofMember = (user_guid: string, member_guid: string) => ({ params: { path: { user_guid, member_guid } } });
const postMember = (user_guid: string, body: CreateMemberBody) =>
  api.typed.POST('/users/{user_guid}/members', { params: { path: { user_guid } }, body });
const listMembers = (user_guid: string) =>
  api.typed.GET('/users/{user_guid}/members', { params: { path: { user_guid } } });
const readMember = (user: string, member: string) =>
  api.typed.GET('/users/{user_guid}/members/{member_guid}', ofMember(user, member));
const updateMember = (user: string, member: string, credentials: Credentials) =>
  api.typed.PUT('/users/{user_guid}/members/{member_guid}', {
    ...ofMember(user, member),
    body: { member: { credentials } },
  });
const deleteMember = (user: string, member: string) =>
  api.typed.DELETE('/users/{user_guid}/members/{member_guid}', ofMember(user, member));
const pinecrestFields = async () =>
  expectOk(
    await api.typed.GET('/institutions/{institution_code}/credentials', {
      params: { path: { institution_code: 'pinecrest_bank' } },
    }),
  ).credentials as CredentialField[];

/** A member of MX Bank created through the API, with or without its first aggregation. */
async function createMember(user: string, password: string, options: { skipAggregation?: boolean } = {}) {
  const created = await postMember(user, {
    member: {
      institution_code: 'mxbank',
      credentials: await credentialsFor(api, password),
      skip_aggregation: options.skipAggregation ?? true,
    },
  });
  return expectOk(created, 201);
}

/** Starts a verification and waits until it is parked on its account-selection challenge: the member is busy until answered. */
async function parkedVerification(user: string, member: string) {
  const started = await api.typed.POST('/users/{user_guid}/members/{member_guid}/verify', {
    ...ofMember(user, member),
    body: {},
  });
  return waitForJob(api, expectOk(started, 202).job, status('CHALLENGED'));
}

describe('POST /users/{user_guid}/members', () => {
  it('creates the member at MX (201), stores it without credentials and follows its first aggregation to SUCCEEDED', async () => {
    const user = await createUser(api);

    const created = await postMember(user, {
      member: {
        institution_code: 'mxbank',
        credentials: await credentialsFor(api, SENTINEL_PASSWORD),
        id: 'my-bank',
        metadata: 'm1',
      },
    });
    const body = expectOk(created, 201);
    const done = await waitForJob(api, body.job!, ended);

    expect(body.member).toEqual({
      guid: expect.stringMatching(/^MBR-/),
      user_guid: user,
      institution_code: 'mxbank',
      id: 'my-bank',
      metadata: 'm1',
      is_oauth: false,
      oauth_window_uri: null,
      connection_status: expect.any(String),
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(created.response.headers.get('location')).toBe(memberPath(user, body.member.guid));
    expect(body.job).toMatchObject({
      type: 'aggregate',
      status: 'RUNNING',
      user_guid: user,
      member_guid: body.member.guid,
    });
    expect(JSON.stringify(body)).not.toContain(SENTINEL_PASSWORD);
    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      connection_status: 'CONNECTED',
      counts: { accounts: 3, transactions: 3 * HARNESS_TRANSACTIONS_PER_ACCOUNT },
    });
    expect((await h.stack.results.listResults(body.member.guid, 'accounts')).items).toHaveLength(3);
    const stored = await storedItems(h.stack);
    expect(stored).toContainEqual(
      expect.objectContaining({
        pk: `USER#${user}`,
        sk: `MEMBER#${body.member.guid}`,
        institution_code: 'mxbank',
      }),
    );
    expect(JSON.stringify(stored)).not.toContain(SENTINEL_PASSWORD);
  });

  it('creates a member without a job when asked to skip the aggregation', async () => {
    const user = await createUser(api);
    const aggregationsBefore = h.stack.stepFunctions.listExecutions({
      stateMachineArn: h.stack.stateMachineArns.aggregate,
      maxResults: 1000,
    }).executions?.length;

    const created = await postMember(user, {
      member: {
        institution_code: 'mxbank',
        credentials: await credentialsFor(api, 'password'),
        skip_aggregation: true,
      },
    });

    expect(expectOk(created, 201).job).toBeUndefined();
    expect(
      h.stack.stepFunctions.listExecutions({ stateMachineArn: h.stack.stateMachineArns.aggregate, maxResults: 1000 })
        .executions?.length,
    ).toBe(aggregationsBefore);
  });

  it('creates an OAuth member: its job waits for the end user (ACTION_REQUIRED) and SUCCEEDS once the window is opened', async () => {
    const user = await createUser(api);

    // A browser's member with the client_redirect_url MX's guide asks of every OAuth member: MX
    // sends only an app back to it, so the window ends on MX's own page.
    const created = expectOk(
      await postMember(user, {
        member: { institution_code: 'mx_bank_oauth', is_oauth: true },
        client_redirect_url: 'https://fintech.example/connected',
      }),
      201,
    );
    const waiting = await waitForJob(api, created.job!, status('ACTION_REQUIRED'));
    const opened = await fetch(String(waiting.oauth_window_uri), { redirect: 'manual' });
    const done = await waitForJob(api, created.job!, ended);

    expect(created.member).toMatchObject({
      is_oauth: true,
      connection_status: 'PENDING',
      oauth_window_uri: expect.stringContaining('/oauth/authorize/'),
    });
    expect(waiting).toMatchObject({
      connection_status: 'PENDING',
      oauth_window_uri: created.member.oauth_window_uri,
    });
    expect(opened.status).toBe(200);
    expect(done).toMatchObject({ status: 'SUCCEEDED', connection_status: 'CONNECTED', counts: { accounts: 3 } });
  });

  it('creates an OAuth member for an app (referral_source APP): its window sends the end user back to client_redirect_url', async () => {
    const user = await createUser(api);
    const back = 'https://fintech.example/connected?step=oauth';

    const created = expectOk(
      await postMember(user, {
        member: { institution_code: 'mx_bank_oauth', is_oauth: true },
        referral_source: 'APP',
        client_redirect_url: back,
        enable_app2app: false,
      }),
      201,
    );
    const waiting = await waitForJob(api, created.job!, status('ACTION_REQUIRED'));
    const opened = await fetch(String(waiting.oauth_window_uri), { redirect: 'manual' });
    const done = await waitForJob(api, created.job!, ended);

    expect(opened.status).toBe(302);
    const location = new URL(String(opened.headers.get('location')));
    expect(`${location.origin}${location.pathname}`).toBe('https://fintech.example/connected');
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      step: 'oauth',
      status: 'success',
      member_guid: created.member.guid,
    });
    expect(done).toMatchObject({ status: 'SUCCEEDED', connection_status: 'CONNECTED' });
  });

  it('a retried member create without a key adopts the member MX already holds (200, adopted: true), keeping one member', async () => {
    const user = await createUser(api);
    const first = await createMember(user, 'password');
    const listsBefore = h.mxRequests('GET /users/{user_guid}/members');

    const again = await postMember(user, {
      member: {
        institution_code: 'mxbank',
        credentials: await credentialsFor(api, 'password'),
        skip_aggregation: true,
      },
    });

    expect(expectOk(again, 200)).toEqual({
      member: { ...first.member, connection_status: expect.any(String), updated_at: expect.any(String) },
      adopted: true,
    });
    expect(again.response.headers.get('location')).toBe(memberPath(user, first.member.guid));
    expect(h.mxRequests('GET /users/{user_guid}/members') - listsBefore).toBe(1);
    expect(expectOk(await listMembers(user)).members).toHaveLength(1);
  });

  it('adopts a member MX holds that mxflow never stored (its first create timed out), and follows its aggregation', async () => {
    const user = await createUser(api);
    const credentials = await credentialsFor(api, 'password');
    // MX created it, but the answer never reached mxflow.
    const { member: atMx } = await h.mx.createMember(user, {
      member: { institution_code: 'mxbank', credentials, skip_aggregation: true },
    });

    const retried = expectOk(await postMember(user, { member: { institution_code: 'mxbank', credentials } }), 200);
    const done = await waitForJob(api, retried.job!, ended);

    expect(retried).toMatchObject({
      adopted: true,
      member: { guid: atMx.guid, user_guid: user, institution_code: 'mxbank' },
      job: { type: 'aggregate' },
    });
    expect(done).toMatchObject({ status: 'SUCCEEDED', connection_status: 'CONNECTED' });
    expect(expectOk(await listMembers(user)).members.map((m) => m.guid)).toEqual([atMx.guid]);
  });

  it('still refuses a member id MX holds at another institution (409 MEMBER_EXISTS)', async () => {
    const user = await createUser(api);
    await postMember(user, {
      member: {
        institution_code: 'mxbank',
        credentials: await credentialsFor(api, 'password'),
        id: 'main',
        skip_aggregation: true,
      },
    });

    const clash = await postMember(user, {
      member: {
        institution_code: 'acme_federal_cu',
        credentials: await credentialsFor(api, 'password', 'acme_federal_cu'),
        id: 'main',
        skip_aggregation: true,
      },
    });

    expectRefusal(clash, 409, 'MEMBER_EXISTS');
  });

  it('the 26th member is refused with MEMBER_LIMIT_REACHED, naming the limit', async () => {
    const user = await createUser(api);
    const credentials = await credentialsFor(api, 'password');
    for (let i = 0; i < 25; i += 1) {
      await h.mx.createMember(user, {
        member: {
          institution_code: 'mxbank',
          credentials: credentials.map((c, j) => (j === 1 ? { ...c, value: `password-${i}` } : c)),
          skip_aggregation: true,
        },
      });
    }

    const refused = await postMember(user, {
      member: { institution_code: 'mxbank', credentials, skip_aggregation: true },
    });

    expect(expectRefusal(refused, 409, 'MEMBER_LIMIT_REACHED').error.message).toContain('25');
  });

  it('a create MX refuses because mxflow calls from an address off its allow list answers MX_IP_NOT_ALLOWED after that one call', async () => {
    const user = await createUser(api);
    const body = {
      member: {
        institution_code: 'mxbank',
        credentials: await credentialsFor(api, 'password'),
        skip_aggregation: true,
      },
    };
    const callsBefore = h.stack.simulator?.stats().requests.total ?? 0;
    h.stack.simulator?.configure({ allowedIps: ['10.0.0.0/22'] });

    const refused = await postMember(user, body).finally(() => h.stack.simulator?.configure({ allowedIps: null }));

    expectRefusal(refused, 502, 'MX_IP_NOT_ALLOWED');
    expect((h.stack.simulator?.stats().requests.total ?? 0) - callsBefore).toBe(1);
  });

  it('a disabled user cannot connect a member (409 USER_DISABLED naming user_guid)', async () => {
    const user = await createUser(api);
    await h.mx.updateUser(user, { is_disabled: true });

    const refused = await postMember(user, {
      member: {
        institution_code: 'mxbank',
        credentials: await credentialsFor(api, 'password'),
        skip_aggregation: true,
      },
    });

    expectRefusal(refused, 409, 'USER_DISABLED', 'user_guid');
    expect(expectOk(await listMembers(user)).members).toEqual([]);
  });

  it("connects at an institution with an OPTIONS credential, sending the option's value", async () => {
    const user = await createUser(api);
    const fields = await pinecrestFields();
    const credentials = [
      { guid: fields[0]!.guid, value: 'mxuser' },
      { guid: fields[1]!.guid, value: 'password' },
      { guid: fields[2]!.guid, value: fields[2]!.options[1]!.value },
    ];

    const created = await postMember(user, {
      member: { institution_code: 'pinecrest_bank', credentials, skip_aggregation: true },
    });

    expect(fields[2]).toMatchObject({
      field_type: 'OPTIONS',
      options: [
        { label: 'Personal', value: 'personal' },
        { label: 'Business', value: 'business' },
      ],
    });
    expectOk(created, 201);
  });

  it('an OPTIONS credential value not offered is refused (400 naming member.credentials.2.value)', async () => {
    const user = await createUser(api);
    const fields = await pinecrestFields();
    const credentials = [
      { guid: fields[0]!.guid, value: 'mxuser' },
      { guid: fields[1]!.guid, value: 'password' },
      { guid: fields[2]!.guid, value: 'savings-club' },
    ];

    const refused = await postMember(user, {
      member: { institution_code: 'pinecrest_bank', credentials, skip_aggregation: true },
    });

    expectRefusal(refused, 400, 'VALIDATION_FAILED', 'member.credentials.2.value');
  });

  it('refuses a member for an unknown user (404 naming user_guid) without asking MX', async () => {
    const createsBefore = h.mxRequests('POST /users/{user_guid}/members');

    const refused = await postMember(UNKNOWN_USER, {
      member: { institution_code: 'mxbank', credentials: await credentialsFor(api, 'password') },
    });

    expectRefusal(refused, 404, 'NOT_FOUND', 'user_guid');
    expect(h.mxRequests('POST /users/{user_guid}/members')).toBe(createsBefore);
  });

  it.each([
    ['no credentials for a non-OAuth member', { member: { institution_code: 'mxbank' } }, 'member.credentials'],
    ['an empty credential list', { member: { institution_code: 'mxbank', credentials: [] } }, 'member.credentials'],
  ])('refuses %s (400 VALIDATION_FAILED naming the field) without asking MX', async (_, body, field) => {
    const user = await createUser(api);
    const createsBefore = h.mxRequests('POST /users/{user_guid}/members');

    const refused = await postMember(user, body);

    expectRefusal(refused, 400, 'VALIDATION_FAILED', field);
    expect(h.mxRequests('POST /users/{user_guid}/members')).toBe(createsBefore);
  });

  it.each([
    ['no institution', { member: { credentials: [{ guid: 'CRD-1', value: 'x' }] } }, 'member.institution_code'],
    [
      'a malformed institution code',
      { member: { institution_code: 'mx bank!', credentials: [{ guid: 'CRD-1', value: 'x' }] } },
      'member.institution_code',
    ],
    [
      'a credential without a value',
      { member: { institution_code: 'mxbank', credentials: [{ guid: 'CRD-1' }] } },
      'member.credentials.0.value',
    ],
    [
      'a credential with an extra field',
      { member: { institution_code: 'mxbank', credentials: [{ guid: 'CRD-1', value: 'x', label: 'y' }] } },
      'member.credentials.0.label',
    ],
    [
      'is_oauth that is not a boolean',
      { member: { institution_code: 'mx_bank_oauth', is_oauth: 'yes' } },
      'member.is_oauth',
    ],
    [
      'a member field the API does not take',
      { member: { institution_code: 'mx_bank_oauth', is_oauth: true, nickname: 'n' } },
      'member.nickname',
    ],
    [
      'a client_redirect_url that is not a URL',
      {
        member: { institution_code: 'mx_bank_oauth', is_oauth: true },
        referral_source: 'APP',
        client_redirect_url: 'back home',
      },
      'client_redirect_url',
    ],
    [
      'a ui_message_webview_url_scheme that is a URL, not a scheme',
      {
        member: { institution_code: 'mx_bank_oauth', is_oauth: true },
        referral_source: 'APP',
        client_redirect_url: 'https://app.example/back',
        ui_message_webview_url_scheme: 'myapp://x',
      },
      'ui_message_webview_url_scheme',
    ],
    [
      'referral_source APP without a client_redirect_url',
      { member: { institution_code: 'mx_bank_oauth', is_oauth: true }, referral_source: 'APP' },
      'client_redirect_url',
    ],
    [
      'a referral_source MX does not take',
      { member: { institution_code: 'mx_bank_oauth', is_oauth: true }, referral_source: 'webview' },
      'referral_source',
    ],
    ['no member envelope', { institution_code: 'mxbank' }, 'member'],
  ])('refuses %s (400 VALIDATION_FAILED naming the field) without asking MX', async (_, body, field) => {
    const user = await createUser(api);
    const createsBefore = h.mxRequests('POST /users/{user_guid}/members');

    // Raw: each body breaks the document on purpose.
    const refused = await api.post(`/users/${user}/members`, body);

    expectError(refused, 400, 'VALIDATION_FAILED', field);
    expect(h.mxRequests('POST /users/{user_guid}/members')).toBe(createsBefore);
  });

  it('answers MX’s refusal of credentials at an OAuth-only institution as 400 MX_BAD_REQUEST, storing nothing', async () => {
    const user = await createUser(api);

    const refused = await postMember(user, {
      member: { institution_code: 'mx_bank_oauth', credentials: [{ guid: 'CRD-1', value: SENTINEL_PASSWORD }] },
    });

    const body = expectRefusal(refused, 400, 'MX_BAD_REQUEST', 'member.is_oauth');
    expect(JSON.stringify(body)).not.toContain(SENTINEL_PASSWORD);
    expect(expectOk(await listMembers(user)).members).toEqual([]);
  });

  it('answers 404 for an institution MX does not know, naming member.institution_code', async () => {
    const user = await createUser(api);

    const refused = await postMember(user, {
      member: { institution_code: 'no_such_bank', credentials: [{ guid: 'CRD-1', value: 'x' }] },
    });

    expectRefusal(refused, 404, 'NOT_FOUND', 'member.institution_code');
  });
});

describe('GET /users/{user_guid}/members and GET …/members/{member_guid}', () => {
  it('lists the user’s members, and only theirs', async () => {
    const user = await createUser(api);
    const other = await createUser(api);
    const first = await createMember(user, 'password');
    const second = await createMember(user, 'options');
    await createMember(other, 'password');

    const listed = expectOk(await listMembers(user));

    expect(listed.members.map((m) => m.guid).sort()).toEqual([first.member.guid, second.member.guid].sort());
    expect(listed.members.every((m) => m.user_guid === user)).toBe(true);
  });

  it('lists no members for a new user', async () => {
    const user = await createUser(api);

    expect(expectOk(await listMembers(user))).toMatchObject({ members: [] });
  });

  it('answers 404 naming user_guid when listing the members of an unknown user', async () => {
    expectRefusal(await listMembers(UNKNOWN_USER), 404, 'NOT_FOUND', 'user_guid');
  });

  it('reads a member with its latest job', async () => {
    const user = await createUser(api);
    const created = expectOk(
      await postMember(user, {
        member: { institution_code: 'mxbank', credentials: await credentialsFor(api, 'password') },
      }),
      201,
    );
    const done = await waitForJob(api, created.job!, ended);

    const read = expectOk(await readMember(user, created.member.guid));

    expect(read.member).toMatchObject({
      guid: created.member.guid,
      user_guid: user,
      connection_status: 'CONNECTED',
    });
    expect(read.job).toEqual(done);
  });

  it('reads a member that never ran a job without one', async () => {
    const user = await createUser(api);
    const { member } = await createMember(user, 'password');

    const read = await readMember(user, member.guid);

    expect(expectOk(read).job).toBeUndefined();
  });

  it('answers another user’s member as unknown (404 naming member_guid), for every member route', async () => {
    const owner = await createUser(api);
    const intruder = await createUser(api);
    const { member } = await createMember(owner, 'password');
    const mxDeletesBefore = h.mxRequests('DELETE /users/{user_guid}/members/{member_guid}');
    const mxUpdatesBefore = h.mxRequests('PUT /users/{user_guid}/members/{member_guid}');

    const answers = [
      await readMember(intruder, member.guid),
      await updateMember(intruder, member.guid, await credentialsFor(api, 'password')),
      await deleteMember(intruder, member.guid),
    ];

    for (const answer of answers) expectRefusal(answer, 404, 'NOT_FOUND', 'member_guid');
    expect(h.mxRequests('DELETE /users/{user_guid}/members/{member_guid}')).toBe(mxDeletesBefore);
    expect(h.mxRequests('PUT /users/{user_guid}/members/{member_guid}')).toBe(mxUpdatesBefore);
    expectOk(await readMember(owner, member.guid));
  });

  it('answers 404 naming member_guid for an unknown member, and naming user_guid for an unknown user', async () => {
    const user = await createUser(api);

    expectRefusal(await readMember(user, UNKNOWN_MEMBER), 404, 'NOT_FOUND', 'member_guid');
    expectRefusal(await readMember(UNKNOWN_USER, UNKNOWN_MEMBER), 404, 'NOT_FOUND', 'user_guid');
  });

  it.each([
    ['member_guid', (user: string) => memberPath(user, 'USR-123')],
    ['member_guid', (user: string) => memberPath(user, 'MBR-')],
    ['user_guid', () => memberPath('MBR-123', UNKNOWN_MEMBER)],
  ])('refuses a malformed %s (400 INVALID_PARAMETER)', async (field, path) => {
    const user = await createUser(api);

    // Raw: each guid breaks the document's pattern on purpose.
    expectError(await api.get(path(user)), 400, 'INVALID_PARAMETER', field);
  });
});

describe('PUT /users/{user_guid}/members/{member_guid}', () => {
  it('sends new credentials to MX (202) and follows the aggregation they start to SUCCEEDED', async () => {
    const user = await createUser(api);
    const { member } = await createMember(user, 'password');
    const updatesBefore = h.mxRequests('PUT /users/{user_guid}/members/{member_guid}');

    const updated = await updateMember(user, member.guid, await credentialsFor(api, SENTINEL_PASSWORD));
    const body = expectOk(updated, 202);
    const done = await waitForJob(api, body.job!, ended);

    expect(body.member.guid).toBe(member.guid);
    expect(body.job).toMatchObject({ type: 'aggregate', status: 'RUNNING', member_guid: member.guid });
    expect(updated.response.headers.get('location')).toBe(`${memberPath(user, member.guid)}/jobs/${body.job?.guid}`);
    expect(JSON.stringify(body)).not.toContain(SENTINEL_PASSWORD);
    expect(h.mxRequests('PUT /users/{user_guid}/members/{member_guid}') - updatesBefore).toBe(1);
    expect(done).toMatchObject({ status: 'SUCCEEDED', connection_status: 'CONNECTED' });
    expect(JSON.stringify(await storedItems(h.stack))).not.toContain(SENTINEL_PASSWORD);
  });

  it('refuses new credentials while a job runs (409 JOB_RUNNING) without asking MX', async () => {
    const user = await createUser(api);
    const { member } = await createMember(user, 'password');
    const parked = await parkedVerification(user, member.guid);
    const updatesBefore = h.mxRequests('PUT /users/{user_guid}/members/{member_guid}');

    const refused = await updateMember(user, member.guid, await credentialsFor(api, 'password'));

    expect(expectRefusal(refused, 409, 'JOB_RUNNING').error.message).toContain(parked.guid);
    expect(h.mxRequests('PUT /users/{user_guid}/members/{member_guid}')).toBe(updatesBefore);
  });

  it.each([
    ['no credentials', { member: { credentials: [] } }, 'member.credentials'],
    [
      'a field updates do not take',
      { member: { credentials: [{ guid: 'CRD-1', value: 'x' }], institution_code: 'mxbank' } },
      'member.institution_code',
    ],
    ['credentials outside the member envelope', { credentials: [{ guid: 'CRD-1', value: 'x' }] }, 'credentials'],
    ['no member envelope for a credentials member', {}, 'member'],
  ])('refuses %s (400 VALIDATION_FAILED naming the field)', async (_, body, field) => {
    const user = await createUser(api);
    const { member } = await createMember(user, 'password');

    // Raw: each body breaks the document on purpose.
    expectError(await api.put(memberPath(user, member.guid), body), 400, 'VALIDATION_FAILED', field);
  });

  it('refuses an update without a body (400 BODY_REQUIRED)', async () => {
    const user = await createUser(api);
    const { member } = await createMember(user, 'password');

    // Raw: the document requires the body this request leaves out.
    expectError(await api.send('PUT', memberPath(user, member.guid)), 400, 'BODY_REQUIRED');
  });
});

describe('DELETE /users/{user_guid}/members/{member_guid}', () => {
  it('deletes the member at MX and here (202, then the deletion) with every stored result; afterwards it is 404', async () => {
    const user = await createUser(api);
    const created = expectOk(
      await postMember(user, {
        member: { institution_code: 'mxbank', credentials: await credentialsFor(api, 'password') },
      }),
      201,
    );
    await waitForJob(api, created.job!, status('SUCCEEDED'));
    const member = created.member.guid;
    const storedBefore = (await h.stack.results.listResults(member, 'transactions', { limit: 1000 })).items.length;
    const mxDeletesBefore = h.mxRequests('DELETE /users/{user_guid}/members/{member_guid}');

    const deleted = expectOk(await deleteMember(user, member), 202);
    const ended = await deletionEnded(api, deleted.deletion.guid);

    expect(storedBefore).toBe(3 * HARNESS_TRANSACTIONS_PER_ACCOUNT);
    expect(deleted.warnings).toEqual([]);
    expect(ended).toMatchObject({ status: 'SUCCEEDED', deleted_at_mx: true, cancelled_jobs: [] });
    expect(h.mxRequests('DELETE /users/{user_guid}/members/{member_guid}') - mxDeletesBefore).toBe(1);
    expectRefusal(await readMember(user, member), 404, 'NOT_FOUND', 'member_guid');
    const results = ofMember(user, member);
    expectRefusal(
      await api.typed.GET('/users/{user_guid}/members/{member_guid}/accounts', results),
      404,
      'NOT_FOUND',
      'member_guid',
    );
    expectRefusal(await deleteMember(user, member), 404, 'NOT_FOUND', 'member_guid');
    for (const kind of ['accounts', 'transactions', 'account_numbers', 'account_owners'] as const) {
      expect((await h.stack.results.listResults(member, kind)).items).toEqual([]);
    }
    expect(expectOk(await listMembers(user)).members).toEqual([]);
  });

  it('finishes the deletion of a member MX has already deleted', async () => {
    const user = await createUser(api);
    const { member } = await createMember(user, 'password');
    await h.mx.deleteMember(user, member.guid);

    const deleted = expectOk(await deleteMember(user, member.guid), 202);

    expect((await deletionEnded(api, deleted.deletion.guid)).status).toBe('SUCCEEDED');
    expectRefusal(await readMember(user, member.guid), 404, 'NOT_FOUND', 'member_guid');
  });

  it('cancels the job running on the member first, instead of refusing', async () => {
    const user = await createUser(api);
    const { member } = await createMember(user, 'password');
    const parked = await parkedVerification(user, member.guid);

    const deleted = expectOk(await deleteMember(user, member.guid), 202);

    expect((await deletionEnded(api, deleted.deletion.guid)).cancelled_jobs).toEqual([parked.guid]);
    expectRefusal(await readMember(user, member.guid), 404, 'NOT_FOUND', 'member_guid');
  });

  it('answers 404 naming member_guid for an unknown member', async () => {
    const user = await createUser(api);

    expectRefusal(await deleteMember(user, UNKNOWN_MEMBER), 404, 'NOT_FOUND', 'member_guid');
  });
});

describe('a fresh OAuth window (POST …/members/{m}/oauth_window_uri)', () => {
  const oauthWindow = (user: string, member: string, body: components['schemas']['OAuthWindowBody'] = {}) =>
    api.typed.POST('/users/{user_guid}/members/{member_guid}/oauth_window_uri', { ...ofMember(user, member), body });
  const createOAuthMember = async (user: string) =>
    expectOk(await postMember(user, { member: { institution_code: 'mx_bank_oauth', is_oauth: true } }), 201);

  it('reaches the job waiting for the end user: the earlier link stops working, the new one connects and the job SUCCEEDS', async () => {
    const user = await createUser(api);
    const created = await createOAuthMember(user);
    const waiting = await waitForJob(api, created.job!, status('ACTION_REQUIRED'));

    const renewed = expectOk(await oauthWindow(user, created.member.guid), 200);
    const old = await fetch(String(waiting.oauth_window_uri));
    const seen = await waitForJob(api, created.job!, status('ACTION_REQUIRED'));
    const opened = await fetch(String(renewed.member.oauth_window_uri));
    const done = await waitForJob(api, created.job!, ended);

    expect(renewed.member.oauth_window_uri).not.toBe(waiting.oauth_window_uri);
    expect(renewed.job).toMatchObject({ guid: created.job!.guid, oauth_window_uri: renewed.member.oauth_window_uri });
    expect(seen.oauth_window_uri).toBe(renewed.member.oauth_window_uri);
    expect(old.status).toBe(400);
    expect(opened.status).toBe(200);
    expect(done).toMatchObject({ status: 'SUCCEEDED', connection_status: 'CONNECTED' });
  });

  const readJob = ({ guid, user_guid, member_guid }: { guid: string; user_guid: string; member_guid: string }) =>
    api.typed.GET('/users/{user_guid}/members/{member_guid}/jobs/{job_guid}', {
      params: { path: { user_guid, member_guid, job_guid: guid } },
    });
  /** Whether the job's execution restarted its OAuth deadline for a renewed window (a poll's output says so). */
  const deadlineRestarted = async (jobGuid: string) => {
    const { events = [] } = await h.stack.stepFunctions.getExecutionHistory({
      executionArn: executionArnOf(h.stack.stateMachineArns.aggregate, jobGuid),
      reverseOrder: true,
      maxResults: 1000,
    });
    return events.some((e) => String(e.stateExitedEventDetails?.output).includes('"oauthWindowsRenewed":1'));
  };

  it('renews a window that expired while the job waited: the job outlives its first OAuth deadline and SUCCEEDS on the new link', async () => {
    const simulator = h.stack.simulator!;
    const user = await createUser(api);
    // MX's windows last 10 minutes; here 200 s of MX time (0.2 s), against the jobs' 20 minutes.
    simulator.configure({ oauthWindowTtlMs: 200_000 });
    const { renewed, control, expiredLinks } = await (async () => {
      try {
        const [renewed, control] = await Promise.all([createOAuthMember(user), createOAuthMember(user)]);
        const waiting = await Promise.all(
          [renewed, control].map((created) => waitForJob(api, created.job!, status('ACTION_REQUIRED'))),
        );
        await sleep(300);
        const expiredLinks = await Promise.all(
          waiting.map(async (job) => (await fetch(String(job.oauth_window_uri))).text()),
        );
        return { renewed, control, expiredLinks };
      } finally {
        // The harness's long windows again: the new link outlives the control's deadline.
        simulator.configure({ oauthWindowTtlMs: simulator.options.oauthWindowTtlMs });
      }
    })();

    const fresh = expectOk(
      await oauthWindow(user, renewed.member.guid, {
        referral_source: 'APP',
        client_redirect_url: 'https://app.example.com/oauth-done',
      }),
      200,
    );
    const abandoned = await waitForJob(api, control.job!, ended);
    await eventually(() => deadlineRestarted(renewed.job!.guid));
    const stillWaiting = expectOk(await readJob(renewed.job!)).job;
    const back = await fetch(String(fresh.member.oauth_window_uri), { redirect: 'manual' });
    const done = await waitForJob(api, renewed.job!, ended);

    for (const page of expiredLinks) expect(page).toContain('This OAuth window has expired');
    expect(abandoned).toMatchObject({ status: 'FAILED', error: { code: 'OAUTH_ABANDONED' } });
    expect(stillWaiting).toMatchObject({ status: 'ACTION_REQUIRED', oauth_window_uri: fresh.member.oauth_window_uri });
    expect(back.status).toBe(302);
    const redirect = new URL(String(back.headers.get('location')));
    expect(`${redirect.origin}${redirect.pathname}`).toBe('https://app.example.com/oauth-done');
    expect(Object.fromEntries(redirect.searchParams)).toEqual({ status: 'success', member_guid: renewed.member.guid });
    expect(done).toMatchObject({ status: 'SUCCEEDED', connection_status: 'CONNECTED' });
  });

  it('after a refused consent (OAUTH_DENIED) starts a job that waits for the new window, then SUCCEEDS', async () => {
    const user = await createUser(api);
    const created = await createOAuthMember(user);
    const waiting = await waitForJob(api, created.job!, status('ACTION_REQUIRED'));
    await fetch(`${waiting.oauth_window_uri}&outcome=deny`);
    const denied = await waitForJob(api, created.job!, ended);

    const renewed = expectOk(await oauthWindow(user, created.member.guid), 202);
    const next = await waitForJob(api, renewed.job!, status('ACTION_REQUIRED'));
    const opened = await fetch(String(next.oauth_window_uri));
    const done = await waitForJob(api, renewed.job!, ended);

    expect(denied).toMatchObject({ status: 'FAILED', error: { code: 'OAUTH_DENIED' } });
    expect(next.oauth_window_uri).toBe(renewed.member.oauth_window_uri);
    expect(opened.status).toBe(200);
    expect(done).toMatchObject({ status: 'SUCCEEDED', connection_status: 'CONNECTED' });
  });

  it('re-authenticates a refused OAuth member without credentials through PUT …/members/{m} (202 with the job)', async () => {
    const user = await createUser(api);
    const created = await createOAuthMember(user);
    const waiting = await waitForJob(api, created.job!, status('ACTION_REQUIRED'));
    await fetch(`${waiting.oauth_window_uri}&outcome=deny`);
    await waitForJob(api, created.job!, ended);

    const again = await api.put(memberPath(user, created.member.guid), {});
    const job = (again.body as { job: Parameters<typeof waitForJob>[1] }).job;
    const next = await waitForJob(api, job, status('ACTION_REQUIRED'));
    await fetch(String(next.oauth_window_uri));

    expect(again.status).toBe(202);
    expect(await waitForJob(api, job, ended)).toMatchObject({ status: 'SUCCEEDED', connection_status: 'CONNECTED' });
  });

  it('refuses a member that is not OAuth (409 MEMBER_NOT_OAUTH) and a connected one (409 MEMBER_NOT_WAITING_FOR_OAUTH)', async () => {
    const user = await createUser(api);
    const plain = await createMember(user, 'password');
    const oauth = await createOAuthMember(user);
    const waiting = await waitForJob(api, oauth.job!, status('ACTION_REQUIRED'));
    await fetch(String(waiting.oauth_window_uri));
    await waitForJob(api, oauth.job!, ended);
    const windowsBefore = h.mxRequests('GET /users/{user_guid}/members/{member_guid}/oauth_window_uri');

    const notOAuth = await oauthWindow(user, plain.member.guid);
    const connected = await oauthWindow(user, oauth.member.guid);

    expectRefusal(notOAuth, 409, 'MEMBER_NOT_OAUTH');
    expectRefusal(connected, 409, 'MEMBER_NOT_WAITING_FOR_OAUTH');
    expect(h.mxRequests('GET /users/{user_guid}/members/{member_guid}/oauth_window_uri')).toBe(windowsBefore);
  });
});

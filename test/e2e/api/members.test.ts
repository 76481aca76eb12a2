import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiClient,
  apiClient,
  createUser,
  credentialsFor,
  ended,
  expectError,
  status,
  storedItems,
  waitForJob,
} from '#test/support/api-client.js';
import { startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;
let api: ApiClient;

beforeAll(async () => {
  h = await startWorkflowHarness({
    // Jobs take 150 ms; the harness keeps a parked challenge waiting for hours of MX time (seconds),
    // and an unopened OAuth window waits an hour of MX time (3.6 s) here.
    simulator: { seed: 'api-members', jobDurationMs: 150_000 },
    environment: { OAUTH_TIMEOUT_SECONDS: '3600' },
  });
  api = apiClient(h.stack.endpoints.api);
});
afterAll(async () => h?.stop());

const SENTINEL_PASSWORD = 'S3ntinel-Member-Passw0rd!';
const UNKNOWN_USER = 'USR-00000000-0000-0000-0000-000000000000';
const UNKNOWN_MEMBER = 'MBR-00000000-0000-0000-0000-000000000000';
const mxCalls = (endpoint: string) => h.stack.simulator?.stats().requests.byEndpoint[endpoint]?.count ?? 0;
const memberPath = (user: string, member: string) => `/users/${user}/members/${member}`;

/** A member of MX Bank created through the API, with or without its first aggregation. */
async function createMember(user: string, password: string, options: { skipAggregation?: boolean } = {}) {
  const created = await api.post(`/users/${user}/members`, {
    member: {
      institution_code: 'mxbank',
      credentials: await credentialsFor(api, password),
      skip_aggregation: options.skipAggregation ?? true,
    },
  });
  expect(created.status).toBe(201);
  return created.body as {
    member: { guid: string; user_guid: string };
    job?: { guid: string; user_guid: string; member_guid: string };
  };
}

/** Starts a verification and waits until it is parked on its account-selection challenge: the member is busy until answered. */
async function parkedVerification(user: string, member: string) {
  const started = await api.post(`${memberPath(user, member)}/verify`, {});
  expect(started.status).toBe(202);
  return waitForJob(api, started.body.job, status('CHALLENGED'));
}

describe('POST /users/{user_guid}/members', () => {
  it('creates the member at MX (201), stores it without credentials and follows its first aggregation to SUCCEEDED', async () => {
    const user = await createUser(api);

    const created = await api.post(`/users/${user}/members`, {
      member: {
        institution_code: 'mxbank',
        credentials: await credentialsFor(api, SENTINEL_PASSWORD),
        id: 'my-bank',
        metadata: 'm1',
      },
    });
    const done = await waitForJob(api, created.body.job, ended);

    expect(created.status).toBe(201);
    expect(created.body.member).toEqual({
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
    expect(created.headers.get('location')).toBe(memberPath(user, created.body.member.guid));
    expect(created.body.job).toMatchObject({
      type: 'aggregate',
      status: 'RUNNING',
      user_guid: user,
      member_guid: created.body.member.guid,
    });
    expect(JSON.stringify(created.body)).not.toContain(SENTINEL_PASSWORD);
    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      connection_status: 'CONNECTED',
      counts: { accounts: 3, transactions: 150 },
    });
    expect((await h.stack.results.listResults(created.body.member.guid, 'accounts')).items).toHaveLength(3);
    const stored = await storedItems(h.stack);
    expect(stored).toContainEqual(
      expect.objectContaining({
        pk: `USER#${user}`,
        sk: `MEMBER#${created.body.member.guid}`,
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

    const created = await api.post(`/users/${user}/members`, {
      member: {
        institution_code: 'mxbank',
        credentials: await credentialsFor(api, 'password'),
        skip_aggregation: true,
      },
    });

    expect(created.status).toBe(201);
    expect(created.body.job).toBeUndefined();
    expect(
      h.stack.stepFunctions.listExecutions({ stateMachineArn: h.stack.stateMachineArns.aggregate, maxResults: 1000 })
        .executions?.length,
    ).toBe(aggregationsBefore);
  });

  it('creates an OAuth member: its job waits for the end user (ACTION_REQUIRED) and SUCCEEDS once the window is opened', async () => {
    const user = await createUser(api);

    const created = await api.post(`/users/${user}/members`, {
      member: { institution_code: 'mx_bank_oauth', is_oauth: true },
    });
    const waiting = await waitForJob(api, created.body.job, status('ACTION_REQUIRED'));
    const opened = await fetch(String(waiting.oauth_window_uri));
    const done = await waitForJob(api, created.body.job, ended);

    expect(created.status).toBe(201);
    expect(created.body.member).toMatchObject({
      is_oauth: true,
      connection_status: 'PENDING',
      oauth_window_uri: expect.stringContaining('/oauth/authorize/'),
    });
    expect(waiting).toMatchObject({
      connection_status: 'PENDING',
      oauth_window_uri: created.body.member.oauth_window_uri,
    });
    expect(opened.status).toBe(200);
    expect(done).toMatchObject({ status: 'SUCCEEDED', connection_status: 'CONNECTED', counts: { accounts: 3 } });
  });

  it('a retried member create without a key adopts the member MX already holds (200, adopted: true), keeping one member', async () => {
    const user = await createUser(api);
    const first = await createMember(user, 'password');
    const listsBefore = mxCalls('GET /users/{user_guid}/members');

    const again = await api.post(`/users/${user}/members`, {
      member: {
        institution_code: 'mxbank',
        credentials: await credentialsFor(api, 'password'),
        skip_aggregation: true,
      },
    });

    expect(again.status).toBe(200);
    expect(again.body).toEqual({
      member: { ...first.member, connection_status: expect.any(String), updated_at: expect.any(String) },
      adopted: true,
    });
    expect(again.headers.get('location')).toBe(memberPath(user, first.member.guid));
    expect(mxCalls('GET /users/{user_guid}/members') - listsBefore).toBe(1);
    expect((await api.get(`/users/${user}/members`)).body.members).toHaveLength(1);
  });

  it('adopts a member MX holds that mxflow never stored (its first create timed out), and follows its aggregation', async () => {
    const user = await createUser(api);
    const credentials = await credentialsFor(api, 'password');
    // MX created it, but the answer never reached mxflow.
    const { member: atMx } = await h.mx.createMember(user, {
      member: { institution_code: 'mxbank', credentials, skip_aggregation: true },
    });

    const retried = await api.post(`/users/${user}/members`, { member: { institution_code: 'mxbank', credentials } });
    const done = await waitForJob(api, retried.body.job, ended);

    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({
      adopted: true,
      member: { guid: atMx.guid, user_guid: user, institution_code: 'mxbank' },
      job: { type: 'aggregate' },
    });
    expect(done).toMatchObject({ status: 'SUCCEEDED', connection_status: 'CONNECTED' });
    expect((await api.get(`/users/${user}/members`)).body.members.map((m: { guid: string }) => m.guid)).toEqual([
      atMx.guid,
    ]);
  });

  it('still refuses a member id MX holds at another institution (409 MEMBER_EXISTS)', async () => {
    const user = await createUser(api);
    await api.post(`/users/${user}/members`, {
      member: {
        institution_code: 'mxbank',
        credentials: await credentialsFor(api, 'password'),
        id: 'main',
        skip_aggregation: true,
      },
    });

    const clash = await api.post(`/users/${user}/members`, {
      member: {
        institution_code: 'acme_federal_cu',
        credentials: await credentialsFor(api, 'password', 'acme_federal_cu'),
        id: 'main',
        skip_aggregation: true,
      },
    });

    expectError(clash, 409, 'MEMBER_EXISTS');
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

    const refused = await api.post(`/users/${user}/members`, {
      member: { institution_code: 'mxbank', credentials, skip_aggregation: true },
    });

    expectError(refused, 409, 'MEMBER_LIMIT_REACHED');
    expect(refused.body.error.message).toContain('25');
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

    const refused = await api
      .post(`/users/${user}/members`, body)
      .finally(() => h.stack.simulator?.configure({ allowedIps: null }));

    expectError(refused, 502, 'MX_IP_NOT_ALLOWED');
    expect((h.stack.simulator?.stats().requests.total ?? 0) - callsBefore).toBe(1);
  });

  it('a disabled user cannot connect a member (409 USER_DISABLED naming user_guid)', async () => {
    const user = await createUser(api);
    await h.mx.updateUser(user, { is_disabled: true });

    const refused = await api.post(`/users/${user}/members`, {
      member: {
        institution_code: 'mxbank',
        credentials: await credentialsFor(api, 'password'),
        skip_aggregation: true,
      },
    });

    expectError(refused, 409, 'USER_DISABLED', 'user_guid');
    expect((await api.get(`/users/${user}/members`)).body.members).toEqual([]);
  });

  it("connects at an institution with an OPTIONS credential, sending the option's value", async () => {
    const user = await createUser(api);
    const fields = (await api.get('/institutions/pinecrest_bank/credentials')).body.credentials;
    const credentials = [
      { guid: fields[0].guid, value: 'mxuser' },
      { guid: fields[1].guid, value: 'password' },
      { guid: fields[2].guid, value: fields[2].options[1].value },
    ];

    const created = await api.post(`/users/${user}/members`, {
      member: { institution_code: 'pinecrest_bank', credentials, skip_aggregation: true },
    });

    expect(fields[2]).toMatchObject({
      field_type: 'OPTIONS',
      options: [
        { label: 'Personal', value: 'personal' },
        { label: 'Business', value: 'business' },
      ],
    });
    expect(created.status).toBe(201);
  });

  it('an OPTIONS credential value not offered is refused (400 naming member.credentials.2.value)', async () => {
    const user = await createUser(api);
    const fields = (await api.get('/institutions/pinecrest_bank/credentials')).body.credentials;
    const credentials = [
      { guid: fields[0].guid, value: 'mxuser' },
      { guid: fields[1].guid, value: 'password' },
      { guid: fields[2].guid, value: 'savings-club' },
    ];

    const refused = await api.post(`/users/${user}/members`, {
      member: { institution_code: 'pinecrest_bank', credentials, skip_aggregation: true },
    });

    expectError(refused, 400, 'VALIDATION_FAILED', 'member.credentials.2.value');
  });

  it('refuses a member for an unknown user (404 naming user_guid) without asking MX', async () => {
    const createsBefore = mxCalls('POST /users/{user_guid}/members');

    const refused = await api.post(`/users/${UNKNOWN_USER}/members`, {
      member: { institution_code: 'mxbank', credentials: await credentialsFor(api, 'password') },
    });

    expectError(refused, 404, 'NOT_FOUND', 'user_guid');
    expect(mxCalls('POST /users/{user_guid}/members')).toBe(createsBefore);
  });

  it.each([
    ['no credentials for a non-OAuth member', { member: { institution_code: 'mxbank' } }, 'member.credentials'],
    ['an empty credential list', { member: { institution_code: 'mxbank', credentials: [] } }, 'member.credentials'],
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
      { member: { institution_code: 'mx_bank_oauth', is_oauth: true }, client_redirect_url: 'back home' },
      'client_redirect_url',
    ],
    ['no member envelope', { institution_code: 'mxbank' }, 'member'],
  ])('refuses %s (400 VALIDATION_FAILED naming the field) without asking MX', async (_, body, field) => {
    const user = await createUser(api);
    const createsBefore = mxCalls('POST /users/{user_guid}/members');

    const refused = await api.post(`/users/${user}/members`, body);

    expectError(refused, 400, 'VALIDATION_FAILED', field);
    expect(mxCalls('POST /users/{user_guid}/members')).toBe(createsBefore);
  });

  it('answers MX’s refusal of credentials at an OAuth-only institution as 400 MX_BAD_REQUEST, storing nothing', async () => {
    const user = await createUser(api);

    const refused = await api.post(`/users/${user}/members`, {
      member: { institution_code: 'mx_bank_oauth', credentials: [{ guid: 'CRD-1', value: SENTINEL_PASSWORD }] },
    });

    expectError(refused, 400, 'MX_BAD_REQUEST');
    expect(JSON.stringify(refused.body)).not.toContain(SENTINEL_PASSWORD);
    expect((await api.get(`/users/${user}/members`)).body.members).toEqual([]);
  });

  it('answers 404 for an institution MX does not know', async () => {
    const user = await createUser(api);

    const refused = await api.post(`/users/${user}/members`, {
      member: { institution_code: 'no_such_bank', credentials: [{ guid: 'CRD-1', value: 'x' }] },
    });

    expectError(refused, 404, 'NOT_FOUND');
  });
});

describe('GET /users/{user_guid}/members and GET …/members/{member_guid}', () => {
  it('lists the user’s members, and only theirs', async () => {
    const user = await createUser(api);
    const other = await createUser(api);
    const first = await createMember(user, 'password');
    const second = await createMember(user, 'options');
    await createMember(other, 'password');

    const listed = await api.get(`/users/${user}/members`);

    expect(listed.status).toBe(200);
    expect(listed.body.members.map((m: { guid: string }) => m.guid).sort()).toEqual(
      [first.member.guid, second.member.guid].sort(),
    );
    expect(listed.body.members.every((m: { user_guid: string }) => m.user_guid === user)).toBe(true);
  });

  it('lists no members for a new user', async () => {
    const user = await createUser(api);

    expect(await api.get(`/users/${user}/members`)).toMatchObject({ status: 200, body: { members: [] } });
  });

  it('answers 404 naming user_guid when listing the members of an unknown user', async () => {
    expectError(await api.get(`/users/${UNKNOWN_USER}/members`), 404, 'NOT_FOUND', 'user_guid');
  });

  it('reads a member with its latest job', async () => {
    const user = await createUser(api);
    const created = await api.post(`/users/${user}/members`, {
      member: { institution_code: 'mxbank', credentials: await credentialsFor(api, 'password') },
    });
    const done = await waitForJob(api, created.body.job, ended);

    const read = await api.get(memberPath(user, created.body.member.guid));

    expect(read.status).toBe(200);
    expect(read.body.member).toMatchObject({
      guid: created.body.member.guid,
      user_guid: user,
      connection_status: 'CONNECTED',
    });
    expect(read.body.job).toEqual(done);
  });

  it('reads a member that never ran a job without one', async () => {
    const user = await createUser(api);
    const { member } = await createMember(user, 'password');

    const read = await api.get(memberPath(user, member.guid));

    expect(read.status).toBe(200);
    expect(read.body.job).toBeUndefined();
  });

  it('answers another user’s member as unknown (404 naming member_guid), for every member route', async () => {
    const owner = await createUser(api);
    const intruder = await createUser(api);
    const { member } = await createMember(owner, 'password');
    const path = memberPath(intruder, member.guid);
    const mxDeletesBefore = mxCalls('DELETE /users/{user_guid}/members/{member_guid}');
    const mxUpdatesBefore = mxCalls('PUT /users/{user_guid}/members/{member_guid}');

    const answers = [
      await api.get(path),
      await api.put(path, { member: { credentials: await credentialsFor(api, 'password') } }),
      await api.delete(path),
    ];

    for (const answer of answers) expectError(answer, 404, 'NOT_FOUND', 'member_guid');
    expect(mxCalls('DELETE /users/{user_guid}/members/{member_guid}')).toBe(mxDeletesBefore);
    expect(mxCalls('PUT /users/{user_guid}/members/{member_guid}')).toBe(mxUpdatesBefore);
    expect((await api.get(memberPath(owner, member.guid))).status).toBe(200);
  });

  it('answers 404 naming member_guid for an unknown member, and naming user_guid for an unknown user', async () => {
    const user = await createUser(api);

    expectError(await api.get(memberPath(user, UNKNOWN_MEMBER)), 404, 'NOT_FOUND', 'member_guid');
    expectError(await api.get(memberPath(UNKNOWN_USER, UNKNOWN_MEMBER)), 404, 'NOT_FOUND', 'user_guid');
  });

  it.each([
    ['member_guid', (user: string) => memberPath(user, 'USR-123')],
    ['member_guid', (user: string) => memberPath(user, 'MBR-')],
    ['user_guid', () => memberPath('MBR-123', UNKNOWN_MEMBER)],
  ])('refuses a malformed %s (400 INVALID_PARAMETER)', async (field, path) => {
    const user = await createUser(api);

    expectError(await api.get(path(user)), 400, 'INVALID_PARAMETER', field);
  });
});

describe('PUT /users/{user_guid}/members/{member_guid}', () => {
  it('sends new credentials to MX (202) and follows the aggregation they start to SUCCEEDED', async () => {
    const user = await createUser(api);
    const { member } = await createMember(user, 'password');
    const updatesBefore = mxCalls('PUT /users/{user_guid}/members/{member_guid}');

    const updated = await api.put(memberPath(user, member.guid), {
      member: { credentials: await credentialsFor(api, SENTINEL_PASSWORD) },
    });
    const done = await waitForJob(api, updated.body.job, ended);

    expect(updated.status).toBe(202);
    expect(updated.body.member.guid).toBe(member.guid);
    expect(updated.body.job).toMatchObject({ type: 'aggregate', status: 'RUNNING', member_guid: member.guid });
    expect(updated.headers.get('location')).toBe(`${memberPath(user, member.guid)}/jobs/${updated.body.job.guid}`);
    expect(JSON.stringify(updated.body)).not.toContain(SENTINEL_PASSWORD);
    expect(mxCalls('PUT /users/{user_guid}/members/{member_guid}') - updatesBefore).toBe(1);
    expect(done).toMatchObject({ status: 'SUCCEEDED', connection_status: 'CONNECTED' });
    expect(JSON.stringify(await storedItems(h.stack))).not.toContain(SENTINEL_PASSWORD);
  });

  it('refuses new credentials while a job runs (409 JOB_RUNNING) without asking MX', async () => {
    const user = await createUser(api);
    const { member } = await createMember(user, 'password');
    const parked = await parkedVerification(user, member.guid);
    const updatesBefore = mxCalls('PUT /users/{user_guid}/members/{member_guid}');

    const refused = await api.put(memberPath(user, member.guid), {
      member: { credentials: await credentialsFor(api, 'password') },
    });

    expectError(refused, 409, 'JOB_RUNNING');
    expect(refused.body.error.message).toContain(parked.guid);
    expect(mxCalls('PUT /users/{user_guid}/members/{member_guid}')).toBe(updatesBefore);
  });

  it.each([
    ['no credentials', { member: { credentials: [] } }, 'member.credentials'],
    [
      'a field updates do not take',
      { member: { credentials: [{ guid: 'CRD-1', value: 'x' }], institution_code: 'mxbank' } },
      'member.institution_code',
    ],
    ['no member envelope', { credentials: [{ guid: 'CRD-1', value: 'x' }] }, 'member'],
  ])('refuses %s (400 VALIDATION_FAILED naming the field)', async (_, body, field) => {
    const user = await createUser(api);
    const { member } = await createMember(user, 'password');

    expectError(await api.put(memberPath(user, member.guid), body), 400, 'VALIDATION_FAILED', field);
  });

  it('refuses an update without a body (400 BODY_REQUIRED)', async () => {
    const user = await createUser(api);
    const { member } = await createMember(user, 'password');

    expectError(await api.send('PUT', memberPath(user, member.guid)), 400, 'BODY_REQUIRED');
  });
});

describe('DELETE /users/{user_guid}/members/{member_guid}', () => {
  it('deletes the member at MX and here (204) with every stored result; afterwards it and its results are 404', async () => {
    const user = await createUser(api);
    const created = await api.post(`/users/${user}/members`, {
      member: { institution_code: 'mxbank', credentials: await credentialsFor(api, 'password') },
    });
    await waitForJob(api, created.body.job, status('SUCCEEDED'));
    const member = created.body.member.guid as string;
    const storedBefore = (await h.stack.results.listResults(member, 'transactions', { limit: 1000 })).items.length;
    const mxDeletesBefore = mxCalls('DELETE /users/{user_guid}/members/{member_guid}');

    const deleted = await api.delete(memberPath(user, member));

    expect(storedBefore).toBe(150);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
    expect(mxCalls('DELETE /users/{user_guid}/members/{member_guid}') - mxDeletesBefore).toBe(1);
    expectError(await api.get(memberPath(user, member)), 404, 'NOT_FOUND', 'member_guid');
    expectError(await api.get(`${memberPath(user, member)}/accounts`), 404, 'NOT_FOUND', 'member_guid');
    expectError(await api.get(`${memberPath(user, member)}/account_numbers`), 404, 'NOT_FOUND', 'member_guid');
    expectError(await api.delete(memberPath(user, member)), 404, 'NOT_FOUND', 'member_guid');
    for (const kind of ['accounts', 'transactions', 'account_numbers', 'account_owners'] as const) {
      expect((await h.stack.results.listResults(member, kind)).items).toEqual([]);
    }
    expect((await api.get(`/users/${user}/members`)).body.members).toEqual([]);
  });

  it('finishes the deletion of a member MX has already deleted (204)', async () => {
    const user = await createUser(api);
    const { member } = await createMember(user, 'password');
    await h.mx.deleteMember(user, member.guid);

    const deleted = await api.delete(memberPath(user, member.guid));

    expect(deleted.status).toBe(204);
    expectError(await api.get(memberPath(user, member.guid)), 404, 'NOT_FOUND', 'member_guid');
  });

  it('refuses to delete a member while a job runs (409 JOB_RUNNING), keeping it here and at MX', async () => {
    const user = await createUser(api);
    const { member } = await createMember(user, 'password');
    await parkedVerification(user, member.guid);
    const mxDeletesBefore = mxCalls('DELETE /users/{user_guid}/members/{member_guid}');

    const refused = await api.delete(memberPath(user, member.guid));

    expectError(refused, 409, 'JOB_RUNNING');
    expect(mxCalls('DELETE /users/{user_guid}/members/{member_guid}')).toBe(mxDeletesBefore);
    expect((await api.get(memberPath(user, member.guid))).status).toBe(200);
  });

  it('answers 404 naming member_guid for an unknown member', async () => {
    const user = await createUser(api);

    expectError(await api.delete(memberPath(user, UNKNOWN_MEMBER)), 404, 'NOT_FOUND', 'member_guid');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '#shared/api/generated/api-paths.js';
import {
  type ApiClient,
  createUser,
  credentialsFor,
  expectError,
  expectOk,
  expectRefusal,
  storedItems,
} from '#test/support/api-client.js';
import { API_TEST_POLLING, startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;
let api: ApiClient;

beforeAll(async () => {
  h = await startWorkflowHarness({
    simulator: { seed: 'api-idempotency', jobDurationMs: 150_000 },
    environment: API_TEST_POLLING,
  });
  api = h.api();
});
afterAll(async () => h?.stop());

const SENTINEL_PASSWORD = 'S3ntinel-Idempotent-Passw0rd!';
const SENTINEL_KEY = 'key-with-customer-data-4111111111111111';
const MX_CREATE = 'POST /users/{user_guid}/members';
const keyed = (key: string) => ({ 'Idempotency-Key': key });

type CreateMemberBody = components['schemas']['CreateMemberBody'];

async function memberBody(password: string, skipAggregation = true): Promise<CreateMemberBody> {
  return {
    member: {
      institution_code: 'mxbank',
      credentials: await credentialsFor(api, password),
      skip_aggregation: skipAggregation,
    },
  };
}

/** `POST /users/{user_guid}/members` with this body and Idempotency-Key. */
const createMember = (user_guid: string, body: CreateMemberBody, key: string) =>
  api.typed.POST('/users/{user_guid}/members', { params: { path: { user_guid }, header: keyed(key) }, body });

describe('Idempotency-Key on POST /users/{user_guid}/members', () => {
  it('a retried member create with the same Idempotency-Key returns the same member and MX saw one create', async () => {
    const user = await createUser(api);
    const body = await memberBody(SENTINEL_PASSWORD);
    const createsBefore = h.mxRequests(MX_CREATE);

    const first = await createMember(user, body, SENTINEL_KEY);
    const retry = await createMember(user, body, SENTINEL_KEY);

    const created = expectOk(first, 201);
    expect(first.response.headers.get('idempotent-replayed')).toBeNull();
    expect(expectOk(retry, 201)).toEqual(created);
    expect(retry.response.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.response.headers.get('location')).toBe(first.response.headers.get('location'));
    expect(h.mxRequests(MX_CREATE) - createsBefore).toBe(1);
    // Only hashes and the answer are kept: neither the credentials nor the raw key.
    const stored = JSON.stringify(await storedItems(h.stack));
    expect(stored).toContain('IDEMPOTENCY#');
    expect(stored).not.toContain(SENTINEL_PASSWORD);
    expect(stored).not.toContain(SENTINEL_KEY);
  });

  it('the same key with another body is refused (422 IDEMPOTENCY_KEY_REUSED) without asking MX', async () => {
    const user = await createUser(api);
    const key = crypto.randomUUID();
    await createMember(user, await memberBody('password'), key);
    const other = await memberBody('password', false);
    const createsBefore = h.mxRequests(MX_CREATE);

    const refused = await createMember(user, other, key);

    expectRefusal(refused, 422, 'IDEMPOTENCY_KEY_REUSED', 'Idempotency-Key');
    expect(h.mxRequests(MX_CREATE)).toBe(createsBefore);
  });

  it('replays the first answer for the same key with other credentials alone: their values are never fingerprinted', async () => {
    const user = await createUser(api);
    const key = crypto.randomUUID();
    const first = await createMember(user, await memberBody('password'), key);
    const createsBefore = h.mxRequests(MX_CREATE);

    const again = await createMember(user, await memberBody('another-password'), key);

    expect(again.response.status).toBe(first.response.status);
    expect(again.data?.member.guid).toBe(first.data?.member.guid);
    expect(h.mxRequests(MX_CREATE)).toBe(createsBefore);
  });

  it('scopes a key to its user: the same key for another user creates that user’s member', async () => {
    const [one, two] = [await createUser(api), await createUser(api)];
    const key = crypto.randomUUID();
    const body = await memberBody('password');

    const first = await createMember(one, body, key);
    const second = await createMember(two, body, key);

    expect([first.response.status, second.response.status]).toEqual([201, 201]);
    expect(second.response.headers.get('idempotent-replayed')).toBeNull();
    expect(second.data?.member.user_guid).toBe(two);
  });

  it('refuses a second request while the first with its key is still running (409 IDEMPOTENCY_IN_PROGRESS)', async () => {
    const user = await createUser(api);
    const key = crypto.randomUUID();
    const body = await memberBody('password');
    h.stack.simulator!.setFaults({ latencyMs: 2_000_000 }); // 2 s of real time per MX answer
    try {
      const first = createMember(user, body, key);
      await new Promise((resolve) => setTimeout(resolve, 500));

      const second = await createMember(user, body, key);

      expectRefusal(second, 409, 'IDEMPOTENCY_IN_PROGRESS', 'Idempotency-Key');
      expect((await first).response.status).toBe(201);
    } finally {
      h.stack.simulator!.setFaults({ latencyMs: 0 });
    }
  });

  it('frees the key of a failed request: the retry with it runs again', async () => {
    const user = await createUser(api);
    const key = crypto.randomUUID();
    const refusedBody = {
      member: {
        institution_code: 'mx_bank_oauth',
        credentials: await credentialsFor(api, 'password'),
        skip_aggregation: true,
      },
    };

    const refused = await createMember(user, refusedBody, key);
    const again = await createMember(user, refusedBody, key);

    expect(refused.response.status).toBe(400);
    expect(again.response.status).toBe(400);
    expect(again.response.headers.get('idempotent-replayed')).toBeNull();
  });

  it.each([
    ['an empty key', ''],
    ['a key longer than 255 characters', 'k'.repeat(256)],
    ['a key with a character that is not printable ASCII', 'clé-1'],
  ])('refuses %s (400 naming Idempotency-Key) without asking MX', async (_, key) => {
    const user = await createUser(api);
    const body = await memberBody('password');
    const createsBefore = h.mxRequests(MX_CREATE);

    // Raw: each key breaks the document's Idempotency-Key on purpose.
    const refused = await api.send('POST', `/users/${user}/members`, { json: body, headers: keyed(key) });

    expectError(refused, 400, 'INVALID_PARAMETER', 'Idempotency-Key');
    expect(h.mxRequests(MX_CREATE)).toBe(createsBefore);
  });
});

describe('Idempotency-Key on job starts', () => {
  it('a retried verify start with the same key returns the same job, started once', async () => {
    const user = await createUser(api);
    const created = expectOk(
      await api.typed.POST('/users/{user_guid}/members', {
        params: { path: { user_guid: user } },
        body: await memberBody('password'),
      }),
      201,
    );
    const key = crypto.randomUUID();
    const path = { user_guid: user, member_guid: created.member.guid };
    const verify = () =>
      api.typed.POST('/users/{user_guid}/members/{member_guid}/verify', {
        params: { path, header: keyed(key) },
        body: {},
      });

    const first = await verify();
    const retry = await verify();
    const jobs = await api.typed.GET('/users/{user_guid}/members/{member_guid}/jobs', { params: { path } });

    const started = expectOk(first, 202);
    expect(expectOk(retry, 202).job.guid).toBe(started.job.guid);
    expect(retry.response.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.response.headers.get('location')).toBe(first.response.headers.get('location'));
    expect(expectOk(jobs).jobs).toHaveLength(1);
    expect(
      h.stack.stepFunctions
        .listExecutions({ stateMachineArn: h.stack.stateMachineArns.verify, maxResults: 1000 })
        .executions?.filter((e) => e.name === started.job.guid),
    ).toHaveLength(1);
  });
});

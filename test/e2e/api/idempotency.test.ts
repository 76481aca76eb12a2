import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiClient,
  apiClient,
  createUser,
  credentialsFor,
  expectError,
  storedItems,
} from '#test/support/api-client.js';
import { startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;
let api: ApiClient;

beforeAll(async () => {
  h = await startWorkflowHarness({ simulator: { seed: 'api-idempotency', jobDurationMs: 150_000 } });
  api = apiClient(h.stack.endpoints.api);
});
afterAll(async () => h?.stop());

const SENTINEL_PASSWORD = 'S3ntinel-Idempotent-Passw0rd!';
const SENTINEL_KEY = 'key-with-customer-data-4111111111111111';
const MX_CREATE = 'POST /users/{user_guid}/members';
const mxCalls = (endpoint: string) => h.stack.simulator?.stats().requests.byEndpoint[endpoint]?.count ?? 0;
const keyed = (key: string) => ({ 'Idempotency-Key': key });

async function memberBody(password: string, skipAggregation = true) {
  return {
    member: {
      institution_code: 'mxbank',
      credentials: await credentialsFor(api, password),
      skip_aggregation: skipAggregation,
    },
  };
}

describe('Idempotency-Key on POST /users/{user_guid}/members', () => {
  it('a retried member create with the same Idempotency-Key returns the same member and MX saw one create', async () => {
    const user = await createUser(api);
    const body = await memberBody(SENTINEL_PASSWORD);
    const createsBefore = mxCalls(MX_CREATE);

    const first = await api.send('POST', `/users/${user}/members`, { json: body, headers: keyed(SENTINEL_KEY) });
    const retry = await api.send('POST', `/users/${user}/members`, { json: body, headers: keyed(SENTINEL_KEY) });

    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));
    expect(retry.body).toEqual(first.body);
    expect(mxCalls(MX_CREATE) - createsBefore).toBe(1);
    // Only hashes and the answer are kept: neither the credentials nor the raw key.
    const stored = JSON.stringify(await storedItems(h.stack));
    expect(stored).toContain('IDEMPOTENCY#');
    expect(stored).not.toContain(SENTINEL_PASSWORD);
    expect(stored).not.toContain(SENTINEL_KEY);
  });

  it('the same key with another body is refused (422 IDEMPOTENCY_KEY_REUSED) without asking MX', async () => {
    const user = await createUser(api);
    const key = crypto.randomUUID();
    await api.send('POST', `/users/${user}/members`, { json: await memberBody('password'), headers: keyed(key) });
    const other = await memberBody('password', false);
    const createsBefore = mxCalls(MX_CREATE);

    const refused = await api.send('POST', `/users/${user}/members`, { json: other, headers: keyed(key) });

    expectError(refused, 422, 'IDEMPOTENCY_KEY_REUSED', 'Idempotency-Key');
    expect(mxCalls(MX_CREATE)).toBe(createsBefore);
  });

  it('replays the first answer for the same key with other credentials alone: their values are never fingerprinted', async () => {
    const user = await createUser(api);
    const key = crypto.randomUUID();
    const first = await api.send('POST', `/users/${user}/members`, {
      json: await memberBody('password'),
      headers: keyed(key),
    });
    const createsBefore = mxCalls(MX_CREATE);

    const again = await api.send('POST', `/users/${user}/members`, {
      json: await memberBody('another-password'),
      headers: keyed(key),
    });

    expect(again.status).toBe(first.status);
    expect(again.body.member.guid).toBe(first.body.member.guid);
    expect(mxCalls(MX_CREATE)).toBe(createsBefore);
  });

  it('scopes a key to its user: the same key for another user creates that user’s member', async () => {
    const [one, two] = [await createUser(api), await createUser(api)];
    const key = crypto.randomUUID();
    const body = await memberBody('password');

    const first = await api.send('POST', `/users/${one}/members`, { json: body, headers: keyed(key) });
    const second = await api.send('POST', `/users/${two}/members`, { json: body, headers: keyed(key) });

    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(second.body.member.user_guid).toBe(two);
  });

  it('refuses a second request while the first with its key is still running (409 IDEMPOTENCY_IN_PROGRESS)', async () => {
    const user = await createUser(api);
    const key = crypto.randomUUID();
    const body = await memberBody('password');
    h.stack.simulator!.setFaults({ latencyMs: 2_000_000 }); // 2 s of real time per MX answer
    try {
      const first = api.send('POST', `/users/${user}/members`, { json: body, headers: keyed(key) });
      await new Promise((resolve) => setTimeout(resolve, 500));

      const second = await api.send('POST', `/users/${user}/members`, { json: body, headers: keyed(key) });

      expectError(second, 409, 'IDEMPOTENCY_IN_PROGRESS', 'Idempotency-Key');
      expect((await first).status).toBe(201);
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

    const refused = await api.send('POST', `/users/${user}/members`, { json: refusedBody, headers: keyed(key) });
    const again = await api.send('POST', `/users/${user}/members`, { json: refusedBody, headers: keyed(key) });

    expect(refused.status).toBe(400);
    expect(again.status).toBe(400);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
  });

  it.each([
    ['an empty key', ''],
    ['a key longer than 255 characters', 'k'.repeat(256)],
    ['a key with a character that is not printable ASCII', 'clé-1'],
  ])('refuses %s (400 naming Idempotency-Key) without asking MX', async (_, key) => {
    const user = await createUser(api);
    const body = await memberBody('password');
    const createsBefore = mxCalls(MX_CREATE);

    const refused = await api.send('POST', `/users/${user}/members`, { json: body, headers: keyed(key) });

    expectError(refused, 400, 'INVALID_PARAMETER', 'Idempotency-Key');
    expect(mxCalls(MX_CREATE)).toBe(createsBefore);
  });
});

describe('Idempotency-Key on job starts', () => {
  it('a retried verify start with the same key returns the same job, started once', async () => {
    const user = await createUser(api);
    const member = (await api.post(`/users/${user}/members`, await memberBody('password'))).body.member;
    const key = crypto.randomUUID();
    const path = `/users/${user}/members/${member.guid}/verify`;

    const first = await api.send('POST', path, { json: {}, headers: keyed(key) });
    const retry = await api.send('POST', path, { json: {}, headers: keyed(key) });
    const jobs = await api.get(`/users/${user}/members/${member.guid}/jobs`);

    expect(first.status).toBe(202);
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.job.guid).toBe(first.body.job.guid);
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));
    expect(jobs.body.jobs).toHaveLength(1);
    expect(
      h.stack.stepFunctions
        .listExecutions({ stateMachineArn: h.stack.stateMachineArns.verify, maxResults: 1000 })
        .executions?.filter((e) => e.name === first.body.job.guid),
    ).toHaveLength(1);
  });
});

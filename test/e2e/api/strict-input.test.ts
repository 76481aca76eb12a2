import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiClient,
  createUser,
  credentialsFor,
  ended,
  expectError,
  expectOk,
  expectRefusal,
  waitForJob,
} from '#test/support/api-client.js';
import { API_TEST_POLLING, startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

/** Strict input through the real HTTP path: the local API Gateway, the handlers, the simulated MX. */
let h: WorkflowHarness;
let api: ApiClient;

beforeAll(async () => {
  h = await startWorkflowHarness({
    simulator: { seed: 'api-strict-input', jobDurationMs: 30_000 },
    environment: { ...API_TEST_POLLING, CLIENT_REDIRECT_SCHEMES: 'mxflowtest' },
  });
  api = h.api();
});
afterAll(async () => h?.stop());

/** POSTs bytes as they are: what a client whose text is not UTF-8 sends. */
async function postBytes(path: string, bytes: Buffer) {
  const response = await fetch(`${h.stack.endpoints.api}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: bytes,
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

describe('bodies', () => {
  it('refuses ids whose bytes are not UTF-8 (400 INVALID_JSON), so two byte strings never become one user', async () => {
    const before = h.mxRequests('POST /users');
    const idWith = (bad: number) =>
      Buffer.concat([Buffer.from('{"user":{"id":"bytes-'), Buffer.of(bad), Buffer.from('"}}')]);

    const first = await postBytes('/users', idWith(0xff));
    const second = await postBytes('/users', idWith(0xfe));

    expectError(first, 400, 'INVALID_JSON');
    expectError(second, 400, 'INVALID_JSON');
    expect(h.mxRequests('POST /users')).toBe(before);
  });

  it('refuses a lone surrogate escaped in JSON (400 INVALID_JSON)', async () => {
    const refused = await api.send('POST', '/users', {
      raw: '{"user":{"id":"lone-\\ud800"}}',
      headers: { 'Content-Type': 'application/json' },
    });

    expectError(refused, 400, 'INVALID_JSON');
  });

  it('takes UTF-8 ids, accents and emoji kept', async () => {
    const id = `café-😀-${crypto.randomUUID()}`;

    const created = await postBytes('/users', Buffer.from(JSON.stringify({ user: { id } }), 'utf8'));

    expect(created.status).toBe(201);
    expect(created.body.user.id).toBe(id);
  });

  it('refuses a control character in a user id, naming user.id', async () => {
    const refused = await api.typed.POST('/users', { body: { user: { id: 'line\nbreak' } } });

    expectRefusal(refused, 400, 'VALIDATION_FAILED', 'user.id');
  });
});

describe('query and path parameters', () => {
  const anyMember = '/users/USR-1/members/MBR-1';

  it.each(['1e2', '0x10', '+5', '05', ' 5', '5.0'])(
    'refuses limit=%j (400 INVALID_PARAMETER naming limit)',
    async (limit) => {
      const refused = await api.get(`${anyMember}/jobs?limit=${encodeURIComponent(limit)}`);

      expectError(refused, 400, 'INVALID_PARAMETER', 'limit');
    },
  );

  it('refuses an institution code with a dot before asking MX (400 naming institution_code)', async () => {
    const before = h.mxRequests('GET /institutions/{institution_code}/credentials');

    const refused = await api.get('/institutions/mx.bank/credentials');

    expectError(refused, 400, 'INVALID_PARAMETER', 'institution_code');
    expect(h.mxRequests('GET /institutions/{institution_code}/credentials')).toBe(before);
  });
});

describe('cursors', () => {
  it('hands out sealed cursors: none shows the table’s keys, a changed one is refused, the real one is followed', async () => {
    const user = await createUser(api);
    const created = expectOk(
      await api.typed.POST('/users/{user_guid}/members', {
        params: { path: { user_guid: user } },
        body: { member: { institution_code: 'mxbank', credentials: await credentialsFor(api, 'cursor-pass') } },
      }),
      201,
    );
    const path = { user_guid: user, member_guid: created.member.guid };
    await waitForJob(api, created.job as never, ended);
    const identify = expectOk(
      await api.typed.POST('/users/{user_guid}/members/{member_guid}/identify', { params: { path }, body: {} }),
      202,
    );
    await waitForJob(api, identify.job, ended);
    const listJobs = (query: { limit?: number; cursor?: string }) =>
      api.typed.GET('/users/{user_guid}/members/{member_guid}/jobs', { params: { path, query } });

    const first = expectOk(await listJobs({ limit: 1 }));
    const cursor = first.pagination.next_cursor as string;
    const bytes = Buffer.from(cursor, 'base64url');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
    const changed = bytes.toString('base64url');

    expect(cursor).toEqual(expect.any(String));
    for (const decoded of [Buffer.from(cursor, 'base64url').toString('latin1'), cursor]) {
      expect(decoded).not.toContain(created.member.guid);
      expect(decoded).not.toContain('JOB#');
    }
    expectRefusal(await listJobs({ cursor: changed }), 400, 'INVALID_CURSOR', 'cursor');
    const second = expectOk(await listJobs({ limit: 1, cursor }));
    expect(second.jobs.map((j) => j.guid)).not.toEqual(first.jobs.map((j) => j.guid));
  });
});

describe("MX's refusals", () => {
  it('name the field of the request MX refused (a credential of another institution: member.credentials)', async () => {
    const user = await createUser(api);

    const refused = await api.typed.POST('/users/{user_guid}/members', {
      params: { path: { user_guid: user } },
      body: { member: { institution_code: 'mxbank', credentials: [{ guid: 'CRD-not-of-mxbank', value: 'x' }] } },
    });

    expectRefusal(refused, 400, 'MX_BAD_REQUEST', 'member.credentials');
  });
});

describe('client_redirect_url', () => {
  it.each(['http://fintech.example/back', 'javascript:alert(1)', 'otherapp://done'])(
    'refuses %s before asking MX (400 naming the field)',
    async (url) => {
      const user = await createUser(api);
      const before = h.mxRequests('POST /users/{user_guid}/widget_urls');

      const refused = await api.typed.POST('/users/{user_guid}/widget_urls', {
        params: { path: { user_guid: user } },
        body: { widget_url: { client_redirect_url: url } },
      });

      expectRefusal(refused, 400, 'VALIDATION_FAILED', 'widget_url.client_redirect_url');
      expect(h.mxRequests('POST /users/{user_guid}/widget_urls')).toBe(before);
    },
  );

  it('takes https and the app scheme the deployment allows', async () => {
    const user = await createUser(api);

    for (const url of ['https://fintech.example/back', 'mxflowtest://connected']) {
      const answer = await api.typed.POST('/users/{user_guid}/widget_urls', {
        params: { path: { user_guid: user } },
        body: { widget_url: { client_redirect_url: url } },
      });
      expect(answer.response.status).toBe(200);
    }
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { MxClient, type MxError } from '#shared/mx/index.js';
import {
  type RecordedRequest,
  type ScriptedHttpServer,
  sendJson,
  startScriptedHttpServer,
} from '#test/support/scripted-http-server.js';

const CREDENTIALS = { clientId: 'client-123', apiKey: 'key-secret-456' };
const MEMBER = { member: { guid: 'MBR-1', connection_status: 'CONNECTED', is_being_aggregated: false } };

let server: ScriptedHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function clientAnswering(answer: Parameters<typeof startScriptedHttpServer>[0], timeoutMs = 2_000) {
  server = await startScriptedHttpServer(answer);
  return { client: new MxClient({ baseUrl: server.url, ...CREDENTIALS, timeoutMs }), requests: server.requests };
}

async function failureOf(promise: Promise<unknown>): Promise<MxError> {
  const error = await promise.then(
    () => expect.unreachable('the call should have failed'),
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ name: 'MxError' });
  return error as MxError;
}

function lastRequest(requests: RecordedRequest[]): RecordedRequest {
  const request = requests.at(-1);
  if (!request) throw new Error('no request reached the server');
  return request;
}

describe('MX client on the wire', () => {
  it('sends Basic auth, the v1 Accept header with Accept-Version v20111101 and a JSON body', async () => {
    const { client, requests } = await clientAnswering((_, res) =>
      sendJson(res, 200, { user: { guid: 'USR-1', id: 'u-1' } }),
    );

    const user = await client.createUser({ id: 'u-1' });

    const request = lastRequest(requests);
    expect(user).toMatchObject({ guid: 'USR-1', id: 'u-1' });
    expect(request.method).toBe('POST');
    expect(request.url.pathname).toBe('/users');
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from('client-123:key-secret-456').toString('base64')}`);
    expect(request.headers.accept).toBe('application/vnd.mx.api.v1+json');
    expect(request.headers['accept-version']).toBe('v20111101');
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({ user: { id: 'u-1' } });
  });

  it('speaks the Atrium dialect: key headers, Atrium Accept, identifier for id', async () => {
    server = await startScriptedHttpServer((_, res) =>
      sendJson(res, 200, { user: { guid: 'USR-1', identifier: 'u-1' } }),
    );
    const client = new MxClient({ baseUrl: server.url, ...CREDENTIALS, dialect: 'atrium' });

    const user = await client.createUser({ id: 'u-1' });

    const request = lastRequest(server.requests);
    expect(user).toMatchObject({ guid: 'USR-1', id: 'u-1' });
    expect(request.headers['mx-api-key']).toBe('key-secret-456');
    expect(request.headers['mx-client-id']).toBe('client-123');
    expect(request.headers.authorization).toBeUndefined();
    expect(request.headers.accept).toBe('application/vnd.mx.atrium.v1+json');
    expect(request.headers['accept-version']).toBeUndefined();
    expect(JSON.parse(request.body)).toEqual({ user: { identifier: 'u-1' } });
  });

  it('sends the callback payload base64-encoded and refuses one MX would truncate', async () => {
    const { client, requests } = await clientAnswering((_, res) => sendJson(res, 202, MEMBER));

    await client.startJob('aggregate', 'USR-1', 'MBR-1', { callbackPayload: 'job:JOB-42' });
    const tooLong = await failureOf(
      client.startJob('aggregate', 'USR-1', 'MBR-1', { callbackPayload: 'x'.repeat(800) }),
    );

    expect(lastRequest(requests).headers['x-callback-payload']).toBe(Buffer.from('job:JOB-42').toString('base64'));
    expect(requests).toHaveLength(1);
    expect(tooLong).toMatchObject({ code: 'MX_INVALID_REQUEST', retryable: false });
  });

  it.each([
    [400, 'MX_BAD_REQUEST', false],
    [401, 'MX_UNAUTHORIZED', false],
    [403, 'MX_FORBIDDEN', false],
    [404, 'MX_NOT_FOUND', false],
    [405, 'MX_NOT_ALLOWED', false],
    [409, 'MX_CONFLICT', false],
    [422, 'MX_UNPROCESSABLE', false],
    [429, 'MX_RATE_LIMITED', true],
    [500, 'MX_SERVER_ERROR', true],
    [502, 'MX_SERVER_ERROR', true],
    [503, 'MX_SERVER_ERROR', true],
    [504, 'MX_SERVER_ERROR', true],
  ])('turns MX status %i into %s (retryable: %s)', async (status, code, retryable) => {
    const { client } = await clientAnswering((_, res) => sendJson(res, status, { error: { message: 'nope' } }));

    const error = await failureOf(client.readMember('USR-1', 'MBR-1'));

    expect(error).toMatchObject({ status, code, retryable, mxMessage: 'nope', operation: 'readMember' });
  });

  it.each([
    [{ error: { message: 'The request came from an IP address that is not on the allow list' } }, 'MX_IP_NOT_ALLOWED'],
    [{ error: 'IP not whitelisted' }, 'MX_IP_NOT_ALLOWED'],
    [{ message: 'Account verification is not enabled for this client' }, 'MX_FEATURE_NOT_ENABLED'],
    [{ error: { message: 'Forbidden' } }, 'MX_FORBIDDEN'],
    [{ error: { message: 42 } }, 'MX_FORBIDDEN'],
  ])('tells a 403 %j apart as %s', async (body, code) => {
    const { client } = await clientAnswering((_, res) => sendJson(res, 403, body));

    const error = await failureOf(client.startJob('verify', 'USR-1', 'MBR-1'));

    expect(error).toMatchObject({ status: 403, code, retryable: false });
  });

  it('reads Retry-After from a 429', async () => {
    const { client } = await clientAnswering((_, res) =>
      sendJson(res, 429, { error: { message: 'slow down' } }, { 'Retry-After': '7' }),
    );

    const error = await failureOf(client.readMemberStatus('USR-1', 'MBR-1'));

    expect(error).toMatchObject({ code: 'MX_RATE_LIMITED', retryAfterSeconds: 7 });
  });

  it('reports an HTML error page as a retryable server error without its markup', async () => {
    const { client } = await clientAnswering((_, res) => {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
    });

    const error = await failureOf(client.readUser('USR-1'));

    expect(error).toMatchObject({ status: 502, code: 'MX_SERVER_ERROR', retryable: true, mxMessage: undefined });
  });

  it.each([
    ['truncated JSON', '{"member": {"guid": "MBR-1", "connection_st'],
    ['an HTML page', '<html>maintenance</html>'],
    ['no envelope', '{"guid": "MBR-1"}'],
    ['a list where an object belongs', '{"member": []}'],
    ['a guid of the wrong type', '{"member": {"guid": 42}}'],
    ['an empty body', ''],
  ])('rejects a 200 carrying %s as an invalid answer', async (_, body) => {
    const { client } = await clientAnswering((__, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(body);
    });

    const error = await failureOf(client.readMember('USR-1', 'MBR-1'));

    expect(error).toMatchObject({ status: 200, code: 'MX_INVALID_RESPONSE', retryable: false });
  });

  it.each([
    [
      'items that are not a list',
      { accounts: {}, pagination: { current_page: 1, per_page: 1000, total_entries: 0, total_pages: 0 } },
    ],
    [
      'pagination of the wrong type',
      { accounts: [], pagination: { current_page: '1', per_page: 1000, total_entries: 0, total_pages: 1 } },
    ],
  ])('rejects a list with %s', async (_, body) => {
    const { client } = await clientAnswering((__, res) => sendJson(res, 200, body));

    const error = await failureOf(client.listMemberAccounts('USR-1', 'MBR-1').next());

    expect(error.code).toBe('MX_INVALID_RESPONSE');
  });

  it('gives up after its time limit with a retryable time-out', async () => {
    const { client } = await clientAnswering(() => undefined, 150);

    const error = await failureOf(client.readMemberStatus('USR-1', 'MBR-1'));

    expect(error).toMatchObject({ code: 'MX_TIMEOUT', retryable: true, status: undefined });
  });

  it('reports a dropped connection as a retryable network error', async () => {
    const { client } = await clientAnswering((_, res) => res.socket?.destroy());

    const error = await failureOf(client.readMemberStatus('USR-1', 'MBR-1'));

    expect(error).toMatchObject({ code: 'MX_NETWORK', retryable: true });
  });

  it('never lets a bank credential or the API key out through an error', async () => {
    const password = 'hunter2-sentinel-password';
    const { client } = await clientAnswering((_, res) =>
      sendJson(res, 422, { error: { message: `password ${password} rejected for key key-secret-456` } }),
    );

    const error = await failureOf(
      client.createMember('USR-1', {
        member: { institution_code: 'mxbank', credentials: [{ guid: 'CRD-1', value: password }] },
      }),
    );

    const everything = `${error.message} ${JSON.stringify(error)} ${String(error.stack)}`;
    expect(error.code).toBe('MX_UNPROCESSABLE');
    expect(everything).not.toContain(password);
    expect(everything).not.toContain('key-secret-456');
    expect(error.mxMessage).toContain('[REDACTED]');
  });

  it('withholds an error message that repeats a short challenge answer', async () => {
    const { client } = await clientAnswering((_, res) =>
      sendJson(res, 400, { error: { message: 'answer 42 is wrong' } }),
    );

    const error = await failureOf(client.resumeMember('USR-1', 'MBR-1', [{ guid: 'CRD-9', value: '42' }]));

    expect(error.message).not.toMatch(/\b42\b/);
  });

  it('walks a list page by page at the largest page size, stopping at the last page', async () => {
    const { client, requests } = await clientAnswering((req, res) => {
      const page = Number(req.url.searchParams.get('page'));
      sendJson(res, 200, {
        transactions: [{ guid: `TRN-${page}` }],
        pagination: { current_page: page, per_page: 1000, total_entries: 3, total_pages: 3 },
      });
    });

    const guids: string[] = [];
    for await (const page of client.listTransactionsByAccount('USR-1', 'ACT-1', {
      fromDate: '2026-01-01',
      toDate: '2026-02-01',
    })) {
      guids.push(...page.items.map((t) => String(t.guid)));
    }

    expect(guids).toEqual(['TRN-1', 'TRN-2', 'TRN-3']);
    expect(requests.map((r) => r.url.searchParams.get('records_per_page'))).toEqual(['1000', '1000', '1000']);
    expect(lastRequest(requests).url.searchParams.get('from_date')).toBe('2026-01-01');
    expect(lastRequest(requests).url.searchParams.get('to_date')).toBe('2026-02-01');
  });

  it('asks for institutions 100 at a time, the most MX allows there', async () => {
    const { client, requests } = await clientAnswering((_, res) =>
      sendJson(res, 200, {
        institutions: [],
        pagination: { current_page: 1, per_page: 100, total_entries: 0, total_pages: 0 },
      }),
    );

    const pages = [];
    for await (const page of client.listInstitutions({ name: 'mx', supportsAccountVerification: true }))
      pages.push(page);

    const query = lastRequest(requests).url.searchParams;
    expect(pages).toHaveLength(1);
    expect(query.get('records_per_page')).toBe('100');
    expect(query.get('name')).toBe('mx');
    expect(query.get('supports_account_verification')).toBe('true');
  });

  it('stops paging when MX sends an empty page before its announced last one', async () => {
    const { client, requests } = await clientAnswering((req, res) => {
      const page = Number(req.url.searchParams.get('page'));
      sendJson(res, 200, {
        accounts: page === 1 ? [{ guid: 'ACT-1' }] : [],
        pagination: { current_page: page, per_page: 1000, total_entries: 5000, total_pages: 99 },
      });
    });

    const pages = [];
    for await (const page of client.listMemberAccounts('USR-1', 'MBR-1')) pages.push(page);

    expect(pages.map((p) => p.items.length)).toEqual([1, 0]);
    expect(requests).toHaveLength(2);
  });

  it('tells a started verification from one already running by its status', async () => {
    let status = 200;
    const { client } = await clientAnswering((_, res) =>
      sendJson(res, status, { member: { guid: 'MBR-1', most_recent_job_guid: 'JOB-1' } }),
    );

    const started = await client.startJob('verify', 'USR-1', 'MBR-1');
    status = 202;
    const attached = await client.startJob('verify', 'USR-1', 'MBR-1');

    expect(started).toMatchObject({ httpStatus: 200, alreadyRunning: false, jobGuid: 'JOB-1' });
    expect(attached).toMatchObject({ httpStatus: 202, alreadyRunning: true, jobGuid: 'JOB-1' });
  });
});

import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sigv4Signer } from '#cli/sigv4.js';
import { LOCAL_ANALYST, LOCAL_BACKEND } from '#local/api-gateway/local-principals.js';
import { MX_WEBHOOK_PATH } from '#shared/api/routes.js';
import { type ApiClient, apiClient, expectError } from '#test/support/api-client.js';
import { API_TEST_POLLING, startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

/**
 * What the local API Gateway does before any function runs, as API Gateway does: IAM auth (a
 * SigV4 signature recomputed for the local principals' keys), the resource policy's allow-list,
 * and its limits on URLs and bodies, each refused in the API's error envelope.
 */

let h: WorkflowHarness;
let unsigned: ApiClient;
let backend: ApiClient;
let analyst: ApiClient;

beforeAll(async () => {
  h = await startWorkflowHarness({
    simulator: { seed: 'gateway-access' },
    environment: API_TEST_POLLING,
    // As `-c allowedPrincipals=<the backend's role>`: the analyst is a principal of the account, not listed.
    allowedPrincipals: [LOCAL_BACKEND.arn],
  });
  unsigned = h.api();
  backend = h.api({ signer: sigv4Signer(LOCAL_BACKEND) });
  analyst = h.api({ signer: sigv4Signer(LOCAL_ANALYST) });
});
afterAll(async () => h?.stop());

const newUser = (api: ApiClient) => api.post('/users', { user: { id: `gateway-${crypto.randomUUID()}` } });

/** Bytes written as they are to the API's port; answers everything the gateway wrote back before it closed. */
function rawExchange(write: (socket: ReturnType<typeof connect>) => void): Promise<string> {
  const { hostname, port } = new URL(h.stack.endpoints.api);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname, () => write(socket));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** How many users MX holds with this id: none when the gateway kept the request from its function. */
async function mxUsersWithId(id: string): Promise<number> {
  let found = 0;
  for await (const page of h.mx.listUsers({ id })) found += page.items.length;
  return found;
}

/** The status and JSON body of a raw HTTP answer. */
function parsedAnswer(raw: string): { status: number; body: unknown } {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), body: JSON.parse(body) };
}

describe('IAM auth at the local API Gateway', () => {
  it('lets in a request signed with SigV4 by a listed principal', async () => {
    const created = await newUser(backend);

    expect(created.status).toBe(201);
  });

  it('takes an unsigned request as the local backend’s own, so curl and the demo work without keys', async () => {
    const created = await newUser(unsigned);

    expect(created.status).toBe(201);
  });

  it('refuses a request signed by a principal of the account the allow-list leaves out: 403 ACCESS_DENIED', async () => {
    const refused = await newUser(analyst);

    expectError(refused, 403, 'ACCESS_DENIED');
  });

  it('refuses a body changed after signing: 403 INVALID_SIGNATURE, nothing created', async () => {
    const url = new URL(`${h.stack.endpoints.api}/users`);
    const signedFor = JSON.stringify({ user: { id: 'signed-for' } });
    const headers = await sigv4Signer(LOCAL_BACKEND)({
      method: 'POST',
      url,
      headers: { 'Content-Type': 'application/json' },
      body: signedFor,
    });

    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ user: { id: 'sent' } }) });

    expectError(
      { status: response.status, headers: response.headers, body: await response.json() },
      403,
      'INVALID_SIGNATURE',
    );
  });

  it('refuses a key it does not know and a signature made with the wrong secret: 403 INVALID_SIGNATURE', async () => {
    const stranger = apiClient(h.stack.endpoints.api, undefined, {
      signer: sigv4Signer({ accessKeyId: 'AKIASTRANGER', secretAccessKey: 'whatever' }),
    });
    const wrongSecret = apiClient(h.stack.endpoints.api, undefined, {
      signer: sigv4Signer({ accessKeyId: LOCAL_BACKEND.accessKeyId, secretAccessKey: 'not-the-secret' }),
    });

    expectError(await newUser(stranger), 403, 'INVALID_SIGNATURE');
    expectError(await newUser(wrongSecret), 403, 'INVALID_SIGNATURE');
  });

  it('refuses a malformed Authorization header: 403 INVALID_SIGNATURE', async () => {
    const refused = await unsigned.send('GET', '/institutions', {
      headers: { Authorization: 'AWS4-HMAC-SHA256 nonsense' },
    });

    expectError(refused, 403, 'INVALID_SIGNATURE');
  });

  it("lets MX's webhook route through unsigned, to its function's own Basic credentials check", async () => {
    const noCredentials = await unsigned.send('POST', MX_WEBHOOK_PATH, { json: { not: 'a webhook' } });

    expectError(noCredentials, 401, 'UNAUTHORIZED');
  });
});

describe("API Gateway's limits at the local API Gateway", () => {
  it('answers a URL longer than 10,240 characters 414 URI_TOO_LONG', async () => {
    const refused = await unsigned.get(`/institutions?name=${'a'.repeat(10_300)}`);

    expectError(refused, 414, 'URI_TOO_LONG');
  });

  it('answers a path whose method ARN passes 1,600 bytes 414 URI_TOO_LONG, before any function runs', async () => {
    const refused = await unsigned.get(`/users/USR-${'1'.repeat(1_600)}`);

    expectError(refused, 414, 'URI_TOO_LONG');
  });

  it('answers a body announced larger than 10 MB 413 BODY_TOO_LARGE without reading it', async () => {
    const raw = await rawExchange((socket) =>
      socket.write(
        `POST /users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${10 * 1024 * 1024 + 1}\r\n\r\n{`,
      ),
    );

    expect(parsedAnswer(raw)).toEqual({
      status: 413,
      body: { error: { code: 'BODY_TOO_LARGE', message: 'the body is larger than 10485760 bytes' } },
    });
  });

  it('answers a body cut short of its Content-Length 400 BODY_INCOMPLETE, and creates nothing', async () => {
    const id = `truncated-${crypto.randomUUID()}`;
    const body = JSON.stringify({ user: { id } });
    const raw = await rawExchange((socket) => {
      socket.write(
        `POST /users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length + 20}\r\n\r\n${body}`,
      );
      socket.end();
    });

    expect(parsedAnswer(raw)).toEqual({
      status: 400,
      body: { error: { code: 'BODY_INCOMPLETE', message: expect.any(String) } },
    });
    expect(await mxUsersWithId(id)).toBe(0);
  });

  it('drops a request whose client hangs up mid-body and goes on answering others', async () => {
    const id = `hung-up-${crypto.randomUUID()}`;
    const body = JSON.stringify({ user: { id } });
    await rawExchange((socket) => {
      socket.write(
        `POST /users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length + 20}\r\n\r\n${body}`,
      );
      socket.destroy();
    });

    const next = await newUser(unsigned);

    expect(next.status).toBe(201);
    expect(await mxUsersWithId(id)).toBe(0);
  });
});

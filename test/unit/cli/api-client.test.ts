import { describe, expect, it } from 'vitest';
import { ApiCallError, MxflowApiClient } from '#cli/api-client.js';
import type { RequestSigner } from '#cli/sigv4.js';

/** fetch at the network boundary: records each request and answers from a script. */
function scriptedFetch(answer: (request: Request) => Response) {
  const requests: { method: string; url: string; headers: Record<string, string>; body: string }[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    requests.push({
      method: request.method,
      url: request.url,
      headers: Object.fromEntries(request.headers),
      body: await request.clone().text(),
    });
    return answer(request);
  };
  return { fetch: fetch as typeof globalThis.fetch, requests };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const job = { guid: 'JOB-1', type: 'verify', status: 'RUNNING', created_at: 'x', updated_at: 'x' };

describe('the CLI API client', () => {
  it('sends typed requests to the API and answers their bodies', async () => {
    const { fetch, requests } = scriptedFetch(() => json(202, { job }));
    const api = new MxflowApiClient('http://127.0.0.1:3000', { fetch });

    const answer = await api.startJob('verify', 'USR-1', 'MBR-1', { include_transactions: false });

    expect(answer.job.guid).toBe('JOB-1');
    expect(requests).toEqual([
      expect.objectContaining({
        method: 'POST',
        url: 'http://127.0.0.1:3000/users/USR-1/members/MBR-1/verify',
        body: '{"include_transactions":false}',
      }),
    ]);
  });

  it('signs every request with the signer, body included, keeping the base path of the stage', async () => {
    const signed: { method: string; url: string; body: string | undefined }[] = [];
    const signer: RequestSigner = async ({ method, url, headers, body }) => {
      signed.push({ method, url: url.href, body });
      return { ...headers, authorization: 'AWS4-HMAC-SHA256 test' };
    };
    const { fetch, requests } = scriptedFetch(() => json(201, { user: { guid: 'USR-1' } }));
    const api = new MxflowApiClient('https://abc.execute-api.eu-west-1.amazonaws.com/prod', { fetch, signer });

    await api.createUser({ id: 'customer-42' });

    const url = 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/users';
    expect(signed).toEqual([{ method: 'POST', url, body: '{"user":{"id":"customer-42"}}' }]);
    expect(requests[0]?.headers.authorization).toBe('AWS4-HMAC-SHA256 test');
  });

  it("turns the API's refusal into an ApiCallError with its code and field", async () => {
    const refusal = { error: { code: 'NOT_FOUND', message: 'member was not found', field: 'member_guid' } };
    const { fetch } = scriptedFetch(() => json(404, refusal));
    const api = new MxflowApiClient('http://127.0.0.1:3000', { fetch });

    const failed = await api.readJob('USR-1', 'MBR-1', 'JOB-1').catch((error: unknown) => error);

    expect(failed).toBeInstanceOf(ApiCallError);
    expect(failed).toMatchObject({ status: 404, code: 'NOT_FOUND', field: 'member_guid' });
    expect((failed as Error).message).toBe('404 NOT_FOUND: member was not found (member_guid)');
  });

  it('answers the deletion a member deletion started (202)', async () => {
    const deletion = { guid: `DEL-${'0'.repeat(32)}`, status: 'RUNNING' };
    const { fetch, requests } = scriptedFetch(() => json(202, { deletion, deleted: {}, warnings: [] }));
    const api = new MxflowApiClient('http://127.0.0.1:3000', { fetch });

    expect((await api.deleteMember('USR-1', 'MBR-1')).deletion).toEqual(deletion);
    expect(requests.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual([
      'DELETE /users/USR-1/members/MBR-1',
    ]);
  });

  it('sends the institution filters as the true/false the query takes', async () => {
    const { fetch, requests } = scriptedFetch(() => json(200, { institutions: [], pagination: {} }));
    const api = new MxflowApiClient('http://127.0.0.1:3000', { fetch });

    await api.searchInstitutions({ name: 'mx bank', supports_account_verification: true, page: 1 });

    const url = new URL(requests[0]?.url ?? '');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      name: 'mx bank',
      supports_account_verification: 'true',
      page: '1',
    });
  });

  it('follows the cursor of stored results to the last page', async () => {
    const pages = [
      { accounts: [{ guid: 'ACT-1' }], pagination: { next_cursor: 'c1' } },
      { accounts: [{ guid: 'ACT-2' }], pagination: { next_cursor: null } },
    ];
    const { fetch, requests } = scriptedFetch(() => json(200, pages.shift()));
    const api = new MxflowApiClient('http://127.0.0.1:3000', { fetch });

    const seen: unknown[] = [];
    for await (const page of api.results('accounts', 'USR-1', 'MBR-1')) seen.push(...page);

    expect(seen).toEqual([{ guid: 'ACT-1' }, { guid: 'ACT-2' }]);
    expect(new URL(requests[1]?.url ?? '').searchParams.get('cursor')).toBe('c1');
  });
});

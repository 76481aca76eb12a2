import { describe, expect, it } from 'vitest';
import { apiErrorForMx } from '#shared/api/mx-errors.js';
import { MxClient, type MxError } from '#shared/mx/index.js';

/** A client whose fetch records the URLs it was asked for and answers MX's empty list. */
function recordingClient() {
  const urls: string[] = [];
  const fetch = (async (url: string) => {
    urls.push(url);
    return new Response(
      JSON.stringify({
        credentials: [],
        pagination: { current_page: 1, per_page: 25, total_entries: 0, total_pages: 1 },
      }),
      {
        status: 200,
        headers: { 'Content-Type': 'application/json' },
      },
    );
  }) as typeof globalThis.fetch;
  const client = new MxClient({
    baseUrl: 'https://int-api.mx.com',
    clientId: 'client',
    apiKey: 'key',
    dialect: 'platform',
    timeoutMs: 1000,
    fetch,
  });
  return { client, urls };
}

describe('path parameters of MX calls', () => {
  it.each(['.', '..'])(
    'refuses %j as a path parameter unsent (MX_INVALID_REQUEST), which names the field',
    async (code) => {
      const { client, urls } = recordingClient();

      const failure = (await client.listInstitutionCredentials(code).catch((error: unknown) => error)) as MxError;

      expect(failure).toMatchObject({
        code: 'MX_INVALID_REQUEST',
        mxMessage: 'path parameter institution_code is a dot segment',
      });
      expect(urls).toEqual([]);
      expect(apiErrorForMx(failure).toBody().error).toMatchObject({
        code: 'MX_BAD_REQUEST',
        field: 'institution_code',
      });
    },
  );

  it('keeps every other parameter one encoded segment', async () => {
    const { client, urls } = recordingClient();

    await client.listInstitutionCredentials('a/../b');

    expect(urls).toEqual([expect.stringContaining('/institutions/a%2F..%2Fb/credentials')]);
  });
});

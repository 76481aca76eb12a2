import { describe, expect, it } from 'vitest';
import { apiHandlersOver, callApi, fakeApiDeps } from '#test/support/fakes/api-deps.js';

describe('searchInstitutions', () => {
  it("asks MX for the page, with only the filters given, and answers MX's pagination", async () => {
    const asked: unknown[] = [];
    const deps = fakeApiDeps({
      mx: {
        listInstitutionsPage: async (...args: unknown[]) => {
          asked.push(args);
          return {
            items: [{ code: 'mxbank' }],
            pagination: { current_page: 2, per_page: 10, total_entries: 11, total_pages: 2 },
          } as never;
        },
      },
    });

    const answer = await callApi(
      apiHandlersOver(deps),
      'GET',
      '/institutions?name=mx&supports_account_verification=true&page=2&records_per_page=10',
    );

    expect(answer.body).toEqual({
      institutions: [{ code: 'mxbank' }],
      pagination: { current_page: 2, per_page: 10, total_entries: 11, total_pages: 2 },
    });
    expect(asked).toEqual([[{ name: 'mx', supportsAccountVerification: true }, 2, 10]]);
  });

  it('refuses a filter that is not true or false (400 INVALID_PARAMETER naming it)', async () => {
    const answer = await callApi(
      apiHandlersOver(fakeApiDeps()),
      'GET',
      '/institutions?supports_transaction_history=yes',
    );

    expect(answer).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_PARAMETER', field: 'supports_transaction_history' } },
    });
  });
});

describe('listInstitutionCredentials', () => {
  it('answers the credential fields MX asks for at the institution', async () => {
    const deps = fakeApiDeps({
      mx: { listInstitutionCredentials: async () => [{ guid: 'CRD-1', field_name: 'username' }] as never },
    });

    const answer = await callApi(apiHandlersOver(deps), 'GET', '/institutions/mxbank/credentials');

    expect(answer).toMatchObject({ status: 200, body: { credentials: [{ guid: 'CRD-1', field_name: 'username' }] } });
  });

  it('refuses an institution code with characters MX never uses (400 naming institution_code)', async () => {
    const answer = await callApi(apiHandlersOver(fakeApiDeps()), 'GET', '/institutions/mx%20bank/credentials');

    expect(answer).toMatchObject({ status: 400, body: { error: { field: 'institution_code' } } });
  });
});

import { describe, expect, it } from 'vitest';
import { aMember, apiHandlersOver, aUser, callApi, fakeApiDeps } from '#test/support/fakes/api-deps.js';

const MEMBER = '/users/USR-1/members/MBR-1';

describe('listing stored results', () => {
  it('marks account numbers tokenized for an OAuth member at a TAN bank, without asking MX', async () => {
    const deps = fakeApiDeps({
      users: [aUser()],
      members: [aMember('MBR-1', 'USR-1', { institution_code: 'chase', is_oauth: true })],
    });
    await deps.results.putResults('MBR-1', 'account_numbers', 'JOB-x', [{ guid: 'ACN-1' }]);
    await deps.results.publishResults('MBR-1', 'JOB-x', ['account_numbers']);

    const answer = await callApi(apiHandlersOver(deps), 'GET', `${MEMBER}/account_numbers`);

    expect(answer.body).toEqual({
      account_numbers: [{ guid: 'ACN-1', is_tokenized: true }],
      pagination: { next_cursor: null },
    });
    expect(deps.mxCalls).toEqual([]);
  });

  it('marks the account numbers of a member with credentials not tokenized', async () => {
    const deps = fakeApiDeps({ users: [aUser()], members: [aMember()] });
    await deps.results.putResults('MBR-1', 'account_numbers', 'JOB-x', [{ guid: 'ACN-1' }]);
    await deps.results.publishResults('MBR-1', 'JOB-x', ['account_numbers']);

    const answer = await callApi(apiHandlersOver(deps), 'GET', `${MEMBER}/account_numbers`);

    expect(answer.body.account_numbers).toEqual([{ guid: 'ACN-1', is_tokenized: false }]);
  });

  it('filters transactions by account and dates', async () => {
    const deps = fakeApiDeps({ users: [aUser()], members: [aMember()] });
    await deps.results.putResults('MBR-1', 'transactions', 'JOB-x', [
      { guid: 'TRN-1', account_guid: 'ACT-1', date: '2026-11-01' },
      { guid: 'TRN-2', account_guid: 'ACT-2', date: '2026-11-02' },
      { guid: 'TRN-3', account_guid: 'ACT-1', date: '2026-11-20' },
    ] as never);
    await deps.results.publishResults('MBR-1', 'JOB-x', ['transactions']);

    const answer = await callApi(
      apiHandlersOver(deps),
      'GET',
      `${MEMBER}/transactions?account_guid=ACT-1&to_date=2026-11-10`,
    );

    expect(answer.body.transactions.map((t: { guid: string }) => t.guid)).toEqual(['TRN-1']);
  });

  it('lists only what the last successful job published, not what a later job is copying', async () => {
    const deps = fakeApiDeps({ users: [aUser()], members: [aMember()] });
    await deps.results.putResults('MBR-1', 'accounts', 'JOB-1', [{ guid: 'ACT-1' }]);
    await deps.results.publishResults('MBR-1', 'JOB-1', ['accounts']);
    await deps.results.putResults('MBR-1', 'accounts', 'JOB-2', [{ guid: 'ACT-2' }]);

    const answer = await callApi(apiHandlersOver(deps), 'GET', `${MEMBER}/accounts`);

    expect(answer.body.accounts).toEqual([{ guid: 'ACT-1' }]);
  });

  it('refuses from_date after to_date (400 INVALID_PARAMETER naming from_date)', async () => {
    const deps = fakeApiDeps({ users: [aUser()], members: [aMember()] });

    const answer = await callApi(
      apiHandlersOver(deps),
      'GET',
      `${MEMBER}/transactions?from_date=2026-11-10&to_date=2026-11-01`,
    );

    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'INVALID_PARAMETER', field: 'from_date' } } });
  });

  it('refuses a date that does not exist (400 naming to_date)', async () => {
    const deps = fakeApiDeps({ users: [aUser()], members: [aMember()] });

    const answer = await callApi(apiHandlersOver(deps), 'GET', `${MEMBER}/transactions?to_date=2026-02-30`);

    expect(answer).toMatchObject({ status: 400, body: { error: { field: 'to_date' } } });
  });

  it('refuses a query parameter the list does not take (400 naming it)', async () => {
    const deps = fakeApiDeps({ users: [aUser()], members: [aMember()] });

    const answer = await callApi(apiHandlersOver(deps), 'GET', `${MEMBER}/accounts?account_guid=ACT-1`);

    expect(answer).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_PARAMETER', field: 'account_guid' } },
    });
  });

  it("answers another user's member as unknown (404 naming member_guid)", async () => {
    const deps = fakeApiDeps({ users: [aUser(), aUser('USR-2')], members: [aMember('MBR-1', 'USR-2')] });

    const answer = await callApi(apiHandlersOver(deps), 'GET', `${MEMBER}/accounts`);

    expect(answer).toMatchObject({ status: 404, body: { error: { field: 'member_guid' } } });
  });
});

import { describe, expect, it } from 'vitest';
import { aMember, apiHandlersOver, aUser, callApi, fakeApiDeps } from '#test/support/fakes/api-deps.js';

const MEMBER = '/users/USR-1/members/MBR-1';

/** Handlers over a user with one member, whose MX refuses every call (so a test sees whether MX was asked). */
function api() {
  const deps = fakeApiDeps({ users: [aUser()], members: [aMember()] });
  return { handlers: apiHandlersOver(deps), deps };
}

const refusal = (status: number, code: string, field: string) => ({
  status,
  body: { error: { code, message: expect.any(String), field } },
});

describe('ids refuse control characters, naming the field', () => {
  it.each([
    ['a user id', '/users', { user: { id: 'c-1\n' } }, 'user.id'],
    ['a user id with DEL', '/users', { user: { id: 'c\u007f1' } }, 'user.id'],
    ['a user id with a C1 control', '/users', { user: { id: 'c\u00851' } }, 'user.id'],
    ['a user id with NUL', '/users', { user: { id: '\u0000' } }, 'user.id'],
    [
      'a member id',
      '/users/USR-1/members',
      { member: { institution_code: 'mxbank', is_oauth: true, id: 'm\t1' } },
      'member.id',
    ],
    [
      'a credential guid',
      '/users/USR-1/members',
      { member: { institution_code: 'mxbank', credentials: [{ guid: 'CRD-1\r', value: 'jane' }] } },
      'member.credentials.0.guid',
    ],
  ])('refuses %s holding one (400 VALIDATION_FAILED), asking MX nothing', async (_, url, json, field) => {
    const { handlers, deps } = api();

    const answer = await callApi(handlers, 'POST', url, { json });

    expect(answer).toMatchObject(refusal(400, 'VALIDATION_FAILED', field));
    expect(answer.body.error.message).toBe(`${field}: must not contain control characters`);
    expect(deps.mxCalls).toEqual([]);
  });

  it('refuses a challenge guid holding one', async () => {
    const { handlers } = api();

    const answer = await callApi(handlers, 'PUT', `${MEMBER}/jobs/JOB-000000000001-0000000000000001/challenges`, {
      json: { challenges: [{ guid: 'CRD-q\u001b', value: 'x' }] },
    });

    expect(answer).toMatchObject(refusal(400, 'VALIDATION_FAILED', 'challenges.0.guid'));
  });

  it.each([
    ['user_guid', '/users/USR-1%0A'],
    ['member_guid', '/users/USR-1/members/MBR-1%00'],
    ['job_guid', `${MEMBER}/jobs/JOB-000000000001-0000000000000001%0D`],
  ])('refuses a path %s holding one (400 INVALID_PARAMETER)', async (field, url) => {
    const answer = await callApi(api().handlers, 'GET', url);

    expect(answer).toMatchObject(refusal(400, 'INVALID_PARAMETER', field));
  });

  it('refuses a query account_guid holding one', async () => {
    const answer = await callApi(api().handlers, 'GET', `${MEMBER}/transactions?account_guid=ACT-1%0A`);

    expect(answer).toMatchObject(refusal(400, 'INVALID_PARAMETER', 'account_guid'));
  });

  it('still takes ids in any script, with spaces and punctuation', async () => {
    const created: unknown[] = [];
    const deps = fakeApiDeps({
      mx: {
        createUser: async (user) => {
          created.push(user.id);
          return { guid: 'USR-new', id: user.id ?? null, email: null, metadata: null };
        },
      },
    });

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users', { json: { user: { id: 'Zoë 山田 #7/a' } } });

    expect(answer.status).toBe(201);
    expect(created).toEqual(['Zoë 山田 #7/a']);
  });
});

describe('limit takes plain decimal digits only', () => {
  it.each(['1e2', '0x10', '0b1', '0o7', ' 5', '5 ', '+5', '-5', '05', '00', '5.0', '1_0', '', 'Infinity', '１０'])(
    'refuses limit=%j (400 INVALID_PARAMETER naming limit)',
    async (limit) => {
      const answer = await callApi(api().handlers, 'GET', `${MEMBER}/jobs?limit=${encodeURIComponent(limit)}`);

      expect(answer).toMatchObject(refusal(400, 'INVALID_PARAMETER', 'limit'));
      expect(answer.body.error.message).toBe('limit: must be a whole number from 1 to 1000 in plain decimal digits');
    },
  );

  it.each(['0', '1001', '99999999999999999999'])('refuses limit=%s, out of range', async (limit) => {
    const answer = await callApi(api().handlers, 'GET', `${MEMBER}/accounts?limit=${limit}`);

    expect(answer).toMatchObject(refusal(400, 'INVALID_PARAMETER', 'limit'));
  });

  it.each([
    ['1', 1],
    ['1000', 1000],
    ['42', 42],
  ])('takes limit=%s', async (limit, expected) => {
    const { handlers, deps } = api();
    for (let i = 0; i < 3; i++)
      deps.jobs.add({
        jobGuid: `JOB-00000000000${i}-000000000000000${i}`,
        userGuid: 'USR-1',
        memberGuid: 'MBR-1',
        type: 'aggregate',
      });

    const answer = await callApi(handlers, 'GET', `${MEMBER}/jobs?limit=${limit}`);

    expect(answer.status).toBe(200);
    expect(answer.body.jobs).toHaveLength(Math.min(expected, 3));
  });

  it('holds institution search pages to the same rule', async () => {
    const answer = await callApi(api().handlers, 'GET', '/institutions?page=1e1');

    expect(answer).toMatchObject(refusal(400, 'INVALID_PARAMETER', 'page'));
  });
});

describe('institution codes name one institution', () => {
  it.each(['mx.bank', '.mxbank', 'a..b', '..%2Fusers', 'mxbank%2F..'])(
    'refuses the code %j in the path (400 INVALID_PARAMETER), asking MX nothing',
    async (code) => {
      const { handlers, deps } = api();

      const answer = await callApi(handlers, 'GET', `/institutions/${code}/credentials`);

      expect(answer).toMatchObject(refusal(400, 'INVALID_PARAMETER', 'institution_code'));
      expect(deps.mxCalls).toEqual([]);
    },
  );

  it.each(['..', 'mx.bank', 'a/b'])('refuses %j as a new member’s institution_code', async (code) => {
    const { handlers, deps } = api();

    const answer = await callApi(handlers, 'POST', '/users/USR-1/members', {
      json: { member: { institution_code: code, is_oauth: true } },
    });

    expect(answer).toMatchObject(refusal(400, 'VALIDATION_FAILED', 'member.institution_code'));
    expect(deps.mxCalls).toEqual([]);
  });

  it('refuses it as the widget’s current_institution_code', async () => {
    const answer = await callApi(api().handlers, 'POST', '/users/USR-1/widget_urls', {
      json: { widget_url: { current_institution_code: '..' } },
    });

    expect(answer).toMatchObject(refusal(400, 'VALIDATION_FAILED', 'widget_url.current_institution_code'));
  });
});

import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { toProxyEvent } from '#local/api-gateway/proxy-event.js';
import { lambdaContext } from '#local/lambda-context.js';
import { MAX_BODY_BYTES } from '#shared/api/parse-request.js';
import { MxError } from '#shared/mx/index.js';
import { DynamoDbThrottled } from '#shared/store/dynamodb-retries.js';
import { aMember, apiHandlersOver, aUser, callApi, fakeApiDeps } from '#test/support/fakes/api-deps.js';

const mxUser = { guid: 'USR-new', id: 'c-1', email: null, metadata: null };

describe('the API handler: what reaches an operation', () => {
  it('refuses malformed JSON (400 INVALID_JSON)', async () => {
    const answer = await callApi(apiHandlersOver(fakeApiDeps()), 'POST', '/users', {
      raw: '{"user":',
      headers: { 'Content-Type': 'application/json' },
    });

    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: { code: 'INVALID_JSON', message: 'the body is not valid JSON' } });
  });

  it('refuses a body not sent as JSON (415 UNSUPPORTED_MEDIA_TYPE)', async () => {
    const answer = await callApi(apiHandlersOver(fakeApiDeps()), 'POST', '/users', {
      raw: '{"user":{"id":"c-1"}}',
      headers: { 'Content-Type': 'text/plain' },
    });

    expect(answer).toMatchObject({ status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } } });
  });

  it('takes JSON whatever the case of the header name and the media type', async () => {
    const deps = fakeApiDeps({ mx: { createUser: async () => mxUser } });

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users', {
      raw: '{"user":{"id":"c-1"}}',
      headers: { 'CONTENT-TYPE': 'Application/JSON' },
    });

    expect(answer.status).toBe(201);
  });

  it('refuses a required body that is missing (400 BODY_REQUIRED)', async () => {
    const answer = await callApi(apiHandlersOver(fakeApiDeps()), 'POST', '/users');

    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'BODY_REQUIRED' } } });
  });

  it('counts an empty optional body as {} (a job start without options)', async () => {
    const deps = fakeApiDeps({ users: [aUser()], members: [aMember()] });
    deps.jobs.lock('MBR-1', { job_guid: 'JOB-000000000001-0000000000000001', job_type: 'aggregate', expires_at: 2e9 });

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users/USR-1/members/MBR-1/aggregate', {
      json: undefined,
    });

    // The member is locked by a job this store does not hold: the start says another job is starting.
    expect(answer).toMatchObject({ status: 409, body: { error: { code: 'JOB_RUNNING' } } });
  });

  it(`refuses a body larger than ${MAX_BODY_BYTES} bytes (413 BODY_TOO_LARGE)`, async () => {
    const answer = await callApi(apiHandlersOver(fakeApiDeps()), 'POST', '/users', {
      json: { user: { id: 'x'.repeat(MAX_BODY_BYTES) } },
    });

    expect(answer).toMatchObject({ status: 413, body: { error: { code: 'BODY_TOO_LARGE' } } });
  });

  it('reads a base64-encoded body as API Gateway sends binary ones', async () => {
    const deps = fakeApiDeps({ mx: { createUser: async () => mxUser } });
    const matched = toProxyEvent({
      method: 'POST',
      url: '/users',
      headers: { 'content-type': 'application/json' },
      body: '',
    });
    const event: APIGatewayProxyEvent = {
      ...(matched?.event as APIGatewayProxyEvent),
      body: Buffer.from('{"user":{"id":"c-1"}}').toString('base64'),
      isBase64Encoded: true,
    };

    const result = await apiHandlersOver(deps).users(event, lambdaContext('api-users', 512, 29));

    expect(result.statusCode).toBe(201);
  });

  it('answers 404 NOT_FOUND for a route of another family', async () => {
    const matched = toProxyEvent({ method: 'GET', url: '/users/USR-1', headers: {}, body: '' });

    const result = await apiHandlersOver(fakeApiDeps()).jobs(
      matched?.event as APIGatewayProxyEvent,
      lambdaContext('api-jobs', 512, 29),
    );

    expect(result.statusCode).toBe(404);
    expect(JSON.parse(result.body)).toEqual({
      error: { code: 'NOT_FOUND', message: 'GET /users/{user_guid} is not a route of this API' },
    });
  });

  it('answers 404 NOT_FOUND, not a 500, for an event with no resource', async () => {
    const matched = toProxyEvent({ method: 'GET', url: '/users/USR-1', headers: {}, body: '' });
    const event = { ...(matched?.event as APIGatewayProxyEvent), resource: '' };

    const result = await apiHandlersOver(fakeApiDeps()).users(event, lambdaContext('api-users', 512, 29));

    expect(result.statusCode).toBe(404);
  });
});

describe('the API handler: failures as the error envelope', () => {
  it("answers MX's rate limit as 503 MX_RATE_LIMITED with MX's Retry-After", async () => {
    const deps = fakeApiDeps({
      mx: {
        createUser: async () => {
          throw new MxError({ operation: 'createUser', code: 'MX_RATE_LIMITED', status: 429, retryAfterSeconds: 2.5 });
        },
      },
    });

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users', { json: { user: { id: 'c-1' } } });

    expect(answer).toMatchObject({ status: 503, body: { error: { code: 'MX_RATE_LIMITED' } } });
    expect(answer.headers['Retry-After']).toBe('3');
  });

  it("answers MX's 404 as 404 NOT_FOUND with MX's words, naming the field they are about", async () => {
    const deps = fakeApiDeps({
      mx: {
        listInstitutionCredentials: async () => {
          throw new MxError({
            operation: 'listInstitutionCredentials',
            code: 'MX_NOT_FOUND',
            status: 404,
            mxMessage: 'no such institution',
          });
        },
      },
    });

    const answer = await callApi(apiHandlersOver(deps), 'GET', '/institutions/nobank/credentials');

    expect(answer.body).toEqual({
      error: {
        code: 'NOT_FOUND',
        message: 'MX does not know this resource: no such institution',
        field: 'institution_code',
      },
    });
  });

  it('answers an unexpected failure as 500 INTERNAL_ERROR without its details', async () => {
    const deps = fakeApiDeps({
      mx: {
        createUser: async () => {
          throw new Error('secret internals');
        },
      },
    });

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users', { json: { user: { id: 'c-1' } } });

    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({
      error: { code: 'INTERNAL_ERROR', message: 'mxflow failed; the operators have the details' },
    });
    expect(answer.headers['Content-Type']).toBe('application/json');
  });

  it('answers DynamoDB throttling that outlasted the retries as 503 STORE_BUSY with Retry-After, not a 500', async () => {
    const deps = fakeApiDeps({ mx: { createUser: async () => ({ guid: 'USR-1', id: 'c-1' }) } });
    deps.users.putUser = async () => {
      throw new DynamoDbThrottled('DynamoDB left 3 writes unprocessed after 8 tries');
    };

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users', { json: { user: { id: 'c-1' } } });

    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe('STORE_BUSY');
    expect(answer.headers['Retry-After']).toBe('2');
  });

  it('answers a connection to DynamoDB dropped past the SDK retries as 503 STORE_BUSY', async () => {
    const deps = fakeApiDeps({ mx: { createUser: async () => ({ guid: 'USR-1', id: 'c-1' }) } });
    deps.users.putUser = async () => {
      // As the SDK throws it: ECONNRESET renamed TimeoutError, with the call's metadata.
      throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError', $metadata: { attempts: 1 } });
    };

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users', { json: { user: { id: 'c-1' } } });

    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe('STORE_BUSY');
  });

  it('answers a request that ran out of its own time as 500 INTERNAL_ERROR, not as a busy table', async () => {
    const deps = fakeApiDeps({ mx: { createUser: async () => ({ guid: 'USR-1', id: 'c-1' }) } });
    deps.users.putUser = async () => {
      // middy's early time-out shares the SDK's error name, without its metadata.
      throw Object.assign(new Error('[AbortError]: The operation was aborted.'), { name: 'TimeoutError' });
    };

    const answer = await callApi(apiHandlersOver(deps), 'POST', '/users', { json: { user: { id: 'c-1' } } });

    expect(answer.status).toBe(500);
    expect(answer.body.error.code).toBe('INTERNAL_ERROR');
  });
});

describe('the API handler: Idempotency-Key', () => {
  const createMember = {
    member: { institution_code: 'mxbank', credentials: [{ guid: 'CRD-1', value: 'secret' }], skip_aggregation: true },
  };
  const mxMember = { guid: 'MBR-new', institution_code: 'mxbank', is_oauth: false, connection_status: 'CREATED' };

  it('answers a retry with the same key the first answer again, marked replayed, without a second create', async () => {
    let creates = 0;
    const deps = fakeApiDeps({
      users: [aUser()],
      mx: {
        createMember: async () => {
          creates += 1;
          return { member: mxMember, httpStatus: 202 } as never;
        },
      },
    });
    const handlers = apiHandlersOver(deps);
    const send = () =>
      callApi(handlers, 'POST', '/users/USR-1/members', { json: createMember, headers: { 'Idempotency-Key': 'k-1' } });

    const first = await send();
    const retry = await send();

    expect(first.status).toBe(201);
    expect(retry).toMatchObject({ status: 201, body: first.body, headers: { 'Idempotent-Replayed': 'true' } });
    expect(creates).toBe(1);
  });

  it('refuses the same key with another body (422 IDEMPOTENCY_KEY_REUSED naming the header)', async () => {
    const deps = fakeApiDeps({
      users: [aUser()],
      mx: { createMember: async () => ({ member: mxMember, httpStatus: 202 }) as never },
    });
    const handlers = apiHandlersOver(deps);
    await callApi(handlers, 'POST', '/users/USR-1/members', {
      json: createMember,
      headers: { 'Idempotency-Key': 'k-1' },
    });

    const other = { member: { ...createMember.member, institution_code: 'otherbank' } };
    const answer = await callApi(handlers, 'POST', '/users/USR-1/members', {
      json: other,
      headers: { 'Idempotency-Key': 'k-1' },
    });

    expect(answer).toMatchObject({
      status: 422,
      body: { error: { code: 'IDEMPOTENCY_KEY_REUSED', field: 'Idempotency-Key' } },
    });
  });

  it('frees the key when the request fails, so the retry runs again', async () => {
    let calls = 0;
    const deps = fakeApiDeps({
      users: [aUser()],
      mx: {
        createMember: async () => {
          calls += 1;
          if (calls === 1) throw new MxError({ operation: 'createMember', code: 'MX_SERVER_ERROR', status: 500 });
          return { member: mxMember, httpStatus: 202 } as never;
        },
      },
    });
    const handlers = apiHandlersOver(deps);
    const send = () =>
      callApi(handlers, 'POST', '/users/USR-1/members', { json: createMember, headers: { 'Idempotency-Key': 'k-2' } });

    const failed = await send();
    const retried = await send();

    expect([failed.status, retried.status]).toEqual([502, 201]);
    expect(retried.headers['Idempotent-Replayed']).toBeUndefined();
  });

  it('refuses a key that is not printable ASCII (400 INVALID_PARAMETER naming the header)', async () => {
    const answer = await callApi(apiHandlersOver(fakeApiDeps({ users: [aUser()] })), 'POST', '/users/USR-1/members', {
      json: createMember,
      headers: { 'Idempotency-Key': 'clé' },
    });

    expect(answer).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_PARAMETER', field: 'Idempotency-Key' } },
    });
  });
});

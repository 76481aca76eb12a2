import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { toProxyEvent } from '#local/api-gateway/proxy-event.js';
import { lambdaContext } from '#local/lambda-context.js';
import { apiHandlersOver, callApi, fakeApiDeps } from '#test/support/fakes/api-deps.js';

const created = { guid: 'USR-new', id: 'c-1', email: null, metadata: null };

/** The users handler over deps whose MX records the ids it is asked to create. */
function usersApi() {
  const ids: unknown[] = [];
  const deps = fakeApiDeps({
    mx: {
      createUser: async (user) => {
        ids.push(user.id);
        return { ...created, id: user.id ?? null };
      },
    },
  });
  return { handlers: apiHandlersOver(deps), ids };
}

/** POST /users as API Gateway hands a binary body: base64 of the bytes sent. */
async function postBytes(handlers: ReturnType<typeof apiHandlersOver>, bytes: Buffer) {
  const matched = toProxyEvent({
    method: 'POST',
    url: '/users',
    headers: { 'content-type': 'application/json' },
    body: '',
  });
  const event: APIGatewayProxyEvent = {
    ...(matched?.event as APIGatewayProxyEvent),
    body: bytes.toString('base64'),
    isBase64Encoded: true,
  };
  const result = await handlers.users(event, lambdaContext('api-users', 512, 29));
  return { status: result.statusCode, body: JSON.parse(result.body) };
}

const INVALID_JSON = { error: { code: 'INVALID_JSON', message: 'the body is not valid JSON' } };

describe('a body must be intact UTF-8 JSON text', () => {
  it.each([
    ['a byte that starts no UTF-8 sequence', Buffer.from([0xff])],
    ['a sequence cut short', Buffer.from([0xc3])],
    ['an overlong encoding of "/"', Buffer.from([0xc0, 0xaf])],
    ['a surrogate encoded as UTF-8 (CESU-8)', Buffer.from([0xed, 0xa0, 0x80])],
  ])('refuses a base64 body holding %s (400 INVALID_JSON), asking MX nothing', async (_, bad) => {
    const { handlers, ids } = usersApi();
    const body = Buffer.concat([Buffer.from('{"user":{"id":"c-'), bad, Buffer.from('"}}')]);

    const answer = await postBytes(handlers, body);

    expect(answer).toEqual({ status: 400, body: INVALID_JSON });
    expect(ids).toEqual([]);
  });

  it('takes a base64 body of well-formed UTF-8, accents and emoji kept as sent', async () => {
    const { handlers, ids } = usersApi();

    const answer = await postBytes(handlers, Buffer.from('{"user":{"id":"café-😀"}}', 'utf8'));

    expect(answer.status).toBe(201);
    expect(ids).toEqual(['café-😀']);
  });

  it('refuses a text body where a gateway replaced bytes that were not UTF-8 (U+FFFD), so two ids never collapse', async () => {
    const { handlers, ids } = usersApi();
    // What becomes of the bytes 0xFF and 0xFE alike once decoded leniently.
    const lossy = Buffer.from([...Buffer.from('{"user":{"id":"c-'), 0xff, ...Buffer.from('"}}')]).toString('utf8');

    const answer = await callApi(handlers, 'POST', '/users', {
      raw: lossy,
      headers: { 'Content-Type': 'application/json' },
    });

    expect(lossy).toContain('\uFFFD');
    expect(answer).toEqual({ status: 400, headers: expect.anything(), body: INVALID_JSON });
    expect(ids).toEqual([]);
  });

  it('takes U+FFFD sent as an escape: the caller meant that character', async () => {
    const { handlers, ids } = usersApi();

    const answer = await callApi(handlers, 'POST', '/users', {
      raw: '{"user":{"id":"c-\\ufffd"}}',
      headers: { 'Content-Type': 'application/json' },
    });

    expect(answer.status).toBe(201);
    expect(ids).toEqual(['c-\uFFFD']);
  });

  it.each([
    ['a lone high surrogate in a value', '{"user":{"id":"c-\\ud800"}}'],
    ['a lone low surrogate in a value', '{"user":{"id":"c-\\udc00x"}}'],
    ['a high surrogate followed by no low one', '{"user":{"id":"\\ud83d\\u0041"}}'],
    ['a lone surrogate in a key', '{"user":{"id":"c-1","\\udfff":1}}'],
    ['a lone surrogate in metadata', '{"user":{"id":"c-1","metadata":"\\ud800"}}'],
  ])('refuses JSON whose escapes make %s (400 INVALID_JSON)', async (_, raw) => {
    const { handlers, ids } = usersApi();

    const answer = await callApi(handlers, 'POST', '/users', { raw, headers: { 'Content-Type': 'application/json' } });

    expect(answer).toEqual({ status: 400, headers: expect.anything(), body: INVALID_JSON });
    expect(ids).toEqual([]);
  });

  it('refuses a text body holding a lone surrogate itself (400 INVALID_JSON)', async () => {
    const { handlers } = usersApi();

    const answer = await callApi(handlers, 'POST', '/users', {
      raw: '{"user":{"id":"c-\ud800"}}',
      headers: { 'Content-Type': 'application/json' },
    });

    expect(answer.body).toEqual(INVALID_JSON);
  });

  it('takes a surrogate pair written as escapes: one emoji', async () => {
    const { handlers, ids } = usersApi();

    const answer = await callApi(handlers, 'POST', '/users', {
      raw: '{"user":{"id":"c-\\ud83d\\ude00"}}',
      headers: { 'Content-Type': 'application/json' },
    });

    expect(answer.status).toBe(201);
    expect(ids).toEqual(['c-😀']);
  });
});

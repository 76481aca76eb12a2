import { describe, expect, it } from 'vitest';
import { sigv4Signer } from '#cli/sigv4.js';
import { LOCAL_ANALYST, LOCAL_BACKEND, LOCAL_PRINCIPALS } from '#local/api-gateway/local-principals.js';
import { verifySigV4 } from '#local/api-gateway/sigv4-verification.js';
import { ApiError } from '#shared/api/api-error.js';

const URL_ = new URL('http://127.0.0.1:3000/users/USR-1/members?limit=2&cursor=a%2Fb');

async function signedBy(principal: typeof LOCAL_BACKEND, body = '{"member":{}}') {
  const headers = await sigv4Signer(principal)({
    method: 'POST',
    url: URL_,
    headers: { 'content-type': 'application/json' },
    body,
  });
  return {
    method: 'POST',
    url: `${URL_.pathname}${URL_.search}`,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    body,
  };
}

describe('SigV4 at the local API Gateway', () => {
  it('finds the principal whose key signed the request, query and body included', async () => {
    expect(await verifySigV4(await signedBy(LOCAL_BACKEND), LOCAL_PRINCIPALS)).toBe(LOCAL_BACKEND);
    expect(await verifySigV4(await signedBy(LOCAL_ANALYST), LOCAL_PRINCIPALS)).toBe(LOCAL_ANALYST);
  });

  it('refuses a signature older than five minutes, as AWS does', async () => {
    const request = await signedBy(LOCAL_BACKEND);
    const sixMinutesLater = new Date(Date.now() + 6 * 60_000);

    const refused = await verifySigV4(request, LOCAL_PRINCIPALS, sixMinutesLater);

    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).toBody().error.code).toBe('INVALID_SIGNATURE');
  });

  it('refuses a changed query and a body that is not the one hashed', async () => {
    const request = await signedBy(LOCAL_BACKEND);

    const otherQuery = await verifySigV4(
      { ...request, url: request.url.replace('limit=2', 'limit=3') },
      LOCAL_PRINCIPALS,
    );
    const otherBody = await verifySigV4({ ...request, body: '{"member":{"x":1}}' }, LOCAL_PRINCIPALS);

    expect([otherQuery, otherBody].map((r) => (r as ApiError).code)).toEqual([
      'INVALID_SIGNATURE',
      'INVALID_SIGNATURE',
    ]);
  });
});

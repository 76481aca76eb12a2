import { describe, expect, it } from 'vitest';
import { parseMxSecret } from '#shared/runtime/mx-from-secret.js';
import { parseJsonSecret } from '#shared/runtime/secrets.js';

/** Stands for an API key or client id a malformed secret still holds: it must appear in no error. */
const SENTINEL = 'sk_live_SENTINEL_7f3c';

/** The message of what `read` throws (it must throw). */
function refusal(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    return `${(error as Error).message}\n${(error as Error).stack ?? ''}`;
  }
  throw new Error('expected a refusal');
}

describe('reading the MX secret', () => {
  it('takes the client id, API key and base URL', () => {
    const secret = parseMxSecret({ client_id: 'client-1', api_key: 'key-1', base_url: 'https://int-api.mx.com' });

    expect(secret).toEqual({ clientId: 'client-1', apiKey: 'key-1', baseUrl: 'https://int-api.mx.com' });
  });

  it('leaves the base URL to the connection when the secret has none', () => {
    expect(parseMxSecret({ client_id: 'client-1', api_key: 'key-1' }).baseUrl).toBeUndefined();
  });

  it.each([
    ['both placeholders, as the stack creates it', { client_id: 'REPLACE_ME', api_key: 'REPLACE_ME' }],
    ['one placeholder left', { client_id: SENTINEL, api_key: 'REPLACE_ME' }],
  ])('reads %s as not configured, quoting none of it', (_, secret) => {
    const refused = refusal(() => parseMxSecret(secret));

    expect(refused.split('\n')[0]).toBe(
      "the MX secret is not configured yet: put the MX client id and API key in it (the stack's PutMxCredentialsCommand output)",
    );
    expect(refused).not.toContain('REPLACE_ME');
    expect(refused).not.toContain(SENTINEL);
  });

  it.each([
    ['a missing field', { client_id: SENTINEL }, 'the MX secret lacks api_key'],
    [
      'an empty field',
      { client_id: '', api_key: SENTINEL },
      'the MX secret has a client_id that is not a non-empty string',
    ],
    [
      'fields of the wrong kind',
      { client_id: [SENTINEL], api_key: { value: SENTINEL } },
      'the MX secret has a client_id that is not a non-empty string, has a api_key that is not a non-empty string',
    ],
    [
      'a base URL that is not one',
      { client_id: 'c', api_key: SENTINEL, base_url: `not a url ${SENTINEL}` },
      'the MX secret has a base_url that is not a URL',
    ],
    ['a JSON string', SENTINEL, 'the MX secret is not a JSON object'],
    ['a JSON array', [SENTINEL, SENTINEL], 'the MX secret is not a JSON object'],
    ['JSON null', null, 'the MX secret is not a JSON object'],
  ])('names what is wrong with %s, and nothing of the secret', (_, secret, message) => {
    const refused = refusal(() => parseMxSecret(secret));

    expect(refused.split('\n')[0]).toBe(message);
    expect(refused).not.toContain(SENTINEL);
    expect(refused).not.toContain('SENTINEL');
  });
});

describe('parsing a secret’s JSON text', () => {
  it.each([
    ['text that is not JSON', `client_id=${SENTINEL}`],
    ['a bare word', 'SENTINEL'],
    ['a bare value in an object', `{"api_key": ${SENTINEL}}`],
    ['JSON cut short', `{"client_id":"c","api_key":"${SENTINEL}`],
    ['JSON with a stray character after the key', `{"api_key":"${SENTINEL}"x}`],
    ['single-quoted JSON', `{'api_key':'${SENTINEL}'}`],
    ['a trailing comma', `{"api_key":"${SENTINEL}",}`],
  ])('refuses %s as "the MX secret is not JSON", quoting none of it', (_, text) => {
    const refused = refusal(() => parseJsonSecret(text, 'the MX secret'));

    expect(refused.split('\n')[0]).toBe('the MX secret is not JSON');
    expect(refused).not.toContain('SENTINEL');
  });

  it('shows what JSON.parse alone would have leaked, so the check above can fail', () => {
    const parseError = refusal(() => JSON.parse('SENTINEL'));

    expect(parseError).toContain('SENTINEL');
  });

  it('refuses a binary secret as not text', () => {
    expect(() => parseJsonSecret(new Uint8Array([1, 2]), 'the MX secret')).toThrow('the MX secret is not text');
  });

  it('parses a JSON secret', () => {
    expect(parseJsonSecret('{"client_id":"c","api_key":"k"}', 'the MX secret')).toEqual({
      client_id: 'c',
      api_key: 'k',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { parseMxSecret } from '#shared/runtime/mx-from-secret.js';

describe('reading the MX secret', () => {
  it('takes the client id, API key and base URL', () => {
    const secret = parseMxSecret({ client_id: 'client-1', api_key: 'key-1', base_url: 'https://int-api.mx.com' });

    expect(secret).toEqual({ clientId: 'client-1', apiKey: 'key-1', baseUrl: 'https://int-api.mx.com' });
  });

  it('leaves the base URL to the connection when the secret has none', () => {
    expect(parseMxSecret({ client_id: 'client-1', api_key: 'key-1' }).baseUrl).toBeUndefined();
  });

  it('names the fields that are missing or wrong without echoing any value', () => {
    const read = () => parseMxSecret({ client_id: '', api_key: 42, base_url: 'not a url sk_live_value' });

    expect(read).toThrow('the MX secret lacks client_id, api_key, base_url');
    expect(read).not.toThrow(/sk_live_value|42/);
  });

  it('refuses a secret that is not a JSON object', () => {
    expect(() => parseMxSecret('client-1:key-1')).toThrow('the MX secret lacks client_id, api_key');
  });
});

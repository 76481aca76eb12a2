import { describe, expect, it } from 'vitest';
import { basicAuthorization, basicCredentialsMatch } from '#shared/api/basic-auth.js';

const expected = { username: 'mx', password: 'a-long-generated-password' };

describe('HTTP Basic credentials of the webhook route', () => {
  it('accepts exactly the username and password of the secret', () => {
    expect(basicCredentialsMatch(basicAuthorization(expected), expected)).toBe(true);
    expect(basicCredentialsMatch(`basic   ${basicAuthorization(expected).slice(6)}`, expected)).toBe(true);
  });

  it('refuses another password, another username, a prefix of the pair, and a pair with more after it', () => {
    const refused = [
      { ...expected, password: 'a-long-generated-passworD' },
      { ...expected, username: 'mX' },
      { username: 'mx', password: 'a-long' },
      { ...expected, password: `${expected.password}:more` },
    ].map((sent) => basicCredentialsMatch(basicAuthorization(sent), expected));

    expect(refused).toEqual([false, false, false, false]);
  });

  it('refuses a missing header, another scheme, and a value that is not base64', () => {
    const token = basicAuthorization(expected).slice('Basic '.length);

    expect(basicCredentialsMatch(undefined, expected)).toBe(false);
    expect(basicCredentialsMatch(`Bearer ${token}`, expected)).toBe(false);
    expect(basicCredentialsMatch('Basic ***', expected)).toBe(false);
    expect(basicCredentialsMatch('', { username: '', password: '' })).toBe(false);
  });
});

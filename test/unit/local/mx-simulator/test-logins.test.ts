import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  END_STATUSES,
  resolveTestLogin,
  TEST_LOGINS,
  testLoginTableMarkdown,
} from '#local/mx-simulator/test-logins.js';

// The end states listed in mx-facts.md ("Done, success" and both "Done, ..." groups).
const MX_END_STATES = [
  'CONNECTED',
  'DENIED',
  'PREVENTED',
  'REJECTED',
  'LOCKED',
  'IMPEDED',
  'IMPAIRED',
  'EXPIRED',
  'IMPORTED',
  'DISABLED',
  'DISCONTINUED',
  'CLOSED',
  'DEGRADED',
  'DISCONNECTED',
  'FAILED',
];

describe('test-login table', () => {
  it('has a password for every end status', () => {
    expect([...END_STATUSES].sort()).toEqual([...MX_END_STATES].sort());
    for (const status of END_STATUSES) {
      const reached =
        TEST_LOGINS.some((l) => l.outcome === status) || resolveTestLogin('mxuser', 'anything').outcome === status;
      expect(reached, status).toBe(true);
    }
  });

  it('follows the MX Bank rules for mxuser', () => {
    expect(resolveTestLogin('mxuser', 'password')).toMatchObject({ outcome: 'CONNECTED', challenges: [] });
    expect(resolveTestLogin('mxuser', 'challenge').challenges).toEqual(['TEXT']);
    expect(resolveTestLogin('mxuser', 'options').challenges).toEqual(['OPTIONS']);
    expect(resolveTestLogin('mxuser', 'image').challenges).toEqual(['IMAGE_DATA']);
    expect(resolveTestLogin('mxuser', 'challenge_twice').challenges).toEqual(['TEXT', 'OPTIONS']);
    expect(resolveTestLogin('mxuser', 'BAD_REQUEST').outcome).toBe('FAILED');
    expect(resolveTestLogin('mxuser', 'delayed')).toMatchObject({ outcome: 'CONNECTED', delayed: true });
  });

  it('denies any username other than the test usernames', () => {
    expect(resolveTestLogin('someone', 'password').outcome).toBe('DENIED');
    expect(resolveTestLogin('test_atrium', 'password').outcome).toBe('CONNECTED');
  });

  it('has unique passwords and is printed in the README', () => {
    const passwords = TEST_LOGINS.map((l) => l.password);
    expect(new Set(passwords).size).toBe(passwords.length);
    const readme = readFileSync(new URL('../../../../local/mx-simulator/README.md', import.meta.url), 'utf8');
    expect(readme).toContain(testLoginTableMarkdown());
  });
});

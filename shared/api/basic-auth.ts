import { createHash, timingSafeEqual } from 'node:crypto';

/** HTTP Basic credentials: what MX's dashboard is told to send with every webhook. */
export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Whether an Authorization header carries exactly these Basic credentials. Both sides are
 * hashed first, so the comparison takes the same time whatever the header's length or how
 * much of it matches.
 */
export function basicCredentialsMatch(header: string | undefined, expected: BasicCredentials): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  const presented = match?.[1] ? Buffer.from(match[1], 'base64').toString('utf8') : '';
  const same = timingSafeEqual(digest(presented), digest(`${expected.username}:${expected.password}`));
  return same && match !== null;
}

/** The header a sender of these credentials puts on its request. */
export const basicAuthorization = ({ username, password }: BasicCredentials) =>
  `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;

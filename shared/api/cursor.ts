import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { ApiError } from './api-error.js';

/** DynamoDB's limit on a sort key; a longer one in a start key is refused as a server-side error. */
const MAX_SORT_KEY_BYTES = 1024;

/**
 * The keys that seal cursors (AES-256-GCM): new cursors are sealed with `current`; one sealed
 * with `previous` is still opened, so a rotated secret does not void the sync cursors callers keep.
 */
export interface CursorKeys {
  readonly current: Buffer;
  readonly previous?: Buffer;
}

/** A cursor's key from the cursor secret's text: HKDF, so the key is uniform whatever the text's alphabet. */
export const cursorKeyOf = (secret: string): Buffer =>
  Buffer.from(hkdfSync('sha256', secret, 'mxflow', 'mxflow cursor key v1', 32));

/** What a cursor is for: a page cursor never opens as a sync cursor, nor the reverse. */
type CursorPurpose = 'page' | 'sync';

/** The first byte of a sealed cursor: the format, so a later one can be told apart. */
const FORMAT = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** `value` as JSON, encrypted and authenticated: base64url(format, IV, ciphertext, tag). */
function seal(keys: CursorKeys, purpose: CursorPurpose, value: unknown): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keys.current, iv).setAAD(Buffer.from(`${FORMAT}:${purpose}`));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.of(FORMAT), iv, sealed, cipher.getAuthTag()]).toString('base64url');
}

/** What `seal` sealed with one of `keys` for `purpose`; undefined for anything else (tampered, foreign, garbage). */
function unseal(keys: CursorKeys, purpose: CursorPurpose, cursor: string): unknown {
  const bytes = Buffer.from(cursor, 'base64url');
  if (bytes.length < 1 + IV_BYTES + TAG_BYTES + 1 || bytes[0] !== FORMAT) return undefined;
  // Node's base64url decoding skips what is not of its alphabet: only its own spelling is the cursor.
  if (bytes.toString('base64url') !== cursor) return undefined;
  const iv = bytes.subarray(1, 1 + IV_BYTES);
  const sealed = bytes.subarray(1 + IV_BYTES, bytes.length - TAG_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  for (const key of [keys.current, keys.previous]) {
    if (!key) continue;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(`${FORMAT}:${purpose}`));
      decipher.setAuthTag(tag);
      return JSON.parse(Buffer.concat([decipher.update(sealed), decipher.final()]).toString('utf8'));
    } catch {
      // Not sealed with this key: try the other.
    }
  }
  return undefined;
}

/**
 * Page cursors: DynamoDB's last key, sealed, so a caller can neither read the table's keys in it
 * nor make one. A cursor is only accepted back for the list it came from, so it can never reach
 * another member's partition.
 */
export function encodeCursor(keys: CursorKeys, lastKey: Record<string, unknown> | undefined): string | null {
  return lastKey ? seal(keys, 'page', lastKey) : null;
}

export function decodeCursor(
  keys: CursorKeys,
  cursor: string | undefined,
  partition: string,
  skPrefix = '',
): Record<string, unknown> | undefined {
  if (cursor === undefined) return undefined;
  const key = unseal(keys, 'page', cursor);
  // Only mxflow seals cursors, but a key from an older release, or another list's, is still checked:
  // DynamoDB refuses (a 500 here) a start key whose sort key is empty or outside the query's range.
  const sk = key !== null && typeof key === 'object' ? (key as { sk?: unknown }).sk : undefined;
  const valid =
    key !== null &&
    typeof key === 'object' &&
    (key as { pk?: unknown }).pk === partition &&
    typeof sk === 'string' &&
    sk !== '' &&
    Buffer.byteLength(sk) <= MAX_SORT_KEY_BYTES &&
    sk.startsWith(skPrefix) &&
    Object.keys(key).length === 2;
  if (!valid) throw new ApiError('INVALID_CURSOR', undefined, { field: 'cursor' });
  return key as Record<string, unknown>;
}

/**
 * A position in a member's transaction change feed, as the API hands it out: sealed, and bound
 * to the member (another member's cursor is refused).
 */
export function encodeSyncCursor(keys: CursorKeys, memberGuid: string, position: { seq: number; sk?: string }): string {
  return seal(keys, 'sync', { m: memberGuid, ...position });
}

export function decodeSyncCursor(keys: CursorKeys, memberGuid: string, cursor: string): { seq: number; sk?: string } {
  const value = unseal(keys, 'sync', cursor);
  const { m, seq, sk, ...rest } = (value !== null && typeof value === 'object' ? value : {}) as {
    m?: unknown;
    seq?: unknown;
    sk?: unknown;
  };
  const valid =
    m === memberGuid &&
    Number.isSafeInteger(seq) &&
    (seq as number) >= 0 &&
    (sk === undefined || (typeof sk === 'string' && sk !== '' && Buffer.byteLength(sk) <= MAX_SORT_KEY_BYTES)) &&
    Object.keys(rest).length === 0;
  if (!valid) throw new ApiError('INVALID_CURSOR', undefined, { field: 'updated_since_cursor' });
  return { seq: seq as number, ...(sk === undefined ? {} : { sk: sk as string }) };
}

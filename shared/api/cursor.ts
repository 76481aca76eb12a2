import { ApiError } from './api-error.js';

/** DynamoDB's limit on a sort key; a longer one in a start key is refused as a server-side error. */
const MAX_SORT_KEY_BYTES = 1024;

/**
 * Opaque page cursors: DynamoDB's last key, base64url-encoded. A cursor is only accepted back
 * for the list it came from, so it can never reach another member's partition.
 */
export function encodeCursor(lastKey: Record<string, unknown> | undefined): string | null {
  return lastKey ? Buffer.from(JSON.stringify(lastKey)).toString('base64url') : null;
}

export function decodeCursor(
  cursor: string | undefined,
  partition: string,
  skPrefix = '',
): Record<string, unknown> | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
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
 * A position in a member's transaction change feed, as the API hands it out: opaque, and bound
 * to the member (another member's cursor is refused).
 */
export function encodeSyncCursor(memberGuid: string, position: { seq: number; sk?: string }): string {
  return Buffer.from(JSON.stringify({ m: memberGuid, ...position })).toString('base64url');
}

export function decodeSyncCursor(memberGuid: string, cursor: string): { seq: number; sk?: string } {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const { m, seq, sk, ...rest } = (value ?? {}) as { m?: unknown; seq?: unknown; sk?: unknown };
  const valid =
    m === memberGuid &&
    Number.isSafeInteger(seq) &&
    (seq as number) >= 0 &&
    (sk === undefined || (typeof sk === 'string' && sk !== '' && Buffer.byteLength(sk) <= MAX_SORT_KEY_BYTES)) &&
    Object.keys(rest).length === 0;
  if (!valid) throw new ApiError('INVALID_CURSOR', undefined, { field: 'updated_since_cursor' });
  return { seq: seq as number, ...(sk === undefined ? {} : { sk: sk as string }) };
}

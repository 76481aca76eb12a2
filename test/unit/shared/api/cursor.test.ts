import { describe, expect, it } from 'vitest';
import { ApiError } from '#shared/api/api-error.js';
import { cursorKeyOf, decodeCursor, decodeSyncCursor, encodeCursor, encodeSyncCursor } from '#shared/api/cursor.js';

const KEYS = { current: cursorKeyOf('a-cursor-secret-of-the-stack-0123456789') };
const OTHER_STACK = { current: cursorKeyOf('another-stack-cursor-secret-9876543210') };
const PK = 'MEMBER#MBR-1';
const LAST_KEY = { pk: PK, sk: 'JOB#JOB-000000000001-0000000000000001' };

/** The refusal `act` throws: its code and field. */
function refusal(act: () => unknown): { code: string; field: string | undefined } {
  try {
    act();
  } catch (error) {
    if (error instanceof ApiError) return { code: error.code, field: error.field };
    throw error;
  }
  throw new Error('expected a refusal');
}

/** The cursor with one byte of its sealed form changed. */
function tampered(cursor: string, at: number): string {
  const bytes = Buffer.from(cursor, 'base64url');
  bytes[at] = (bytes[at] as number) ^ 0x01;
  return bytes.toString('base64url');
}

describe('page cursors are sealed', () => {
  it('opens a cursor it sealed, on the list it came from', () => {
    const cursor = encodeCursor(KEYS, LAST_KEY) as string;

    expect(decodeCursor(KEYS, cursor, PK, 'JOB#')).toEqual(LAST_KEY);
  });

  it('shows nothing of the table’s keys, in any decoding', () => {
    const cursor = encodeCursor(KEYS, LAST_KEY) as string;

    for (const text of [
      cursor,
      Buffer.from(cursor, 'base64url').toString('latin1'),
      Buffer.from(cursor, 'base64').toString('utf8'),
    ]) {
      expect(text).not.toContain('MEMBER');
      expect(text).not.toContain('MBR-1');
      expect(text).not.toContain('JOB#');
    }
  });

  it('gives a new cursor each time, so equal positions cannot be told apart', () => {
    expect(encodeCursor(KEYS, LAST_KEY)).not.toBe(encodeCursor(KEYS, LAST_KEY));
  });

  it('refuses a cursor with any byte changed (400 INVALID_CURSOR naming cursor)', () => {
    const cursor = encodeCursor(KEYS, LAST_KEY) as string;
    const length = Buffer.from(cursor, 'base64url').length;

    for (let at = 0; at < length; at++) {
      expect(refusal(() => decodeCursor(KEYS, tampered(cursor, at), PK, 'JOB#'))).toEqual({
        code: 'INVALID_CURSOR',
        field: 'cursor',
      });
    }
  });

  it('refuses a cursor cut short or lengthened', () => {
    const cursor = encodeCursor(KEYS, LAST_KEY) as string;

    for (const changed of [cursor.slice(0, -1), cursor.slice(0, 20), `${cursor}A`, `${cursor}==`, ` ${cursor}`]) {
      expect(refusal(() => decodeCursor(KEYS, changed, PK, 'JOB#')).code).toBe('INVALID_CURSOR');
    }
  });

  it('refuses a cursor sealed by another stack (another key)', () => {
    const foreign = encodeCursor(OTHER_STACK, LAST_KEY) as string;

    expect(refusal(() => decodeCursor(KEYS, foreign, PK, 'JOB#'))).toEqual({ code: 'INVALID_CURSOR', field: 'cursor' });
  });

  it('refuses a readable cursor of the right partition, as the API once gave out', () => {
    const readable = Buffer.from(JSON.stringify(LAST_KEY)).toString('base64url');

    expect(refusal(() => decodeCursor(KEYS, readable, PK, 'JOB#')).code).toBe('INVALID_CURSOR');
  });

  it('refuses a sealed cursor of another list', () => {
    const ofAnotherMember = encodeCursor(KEYS, { pk: 'MEMBER#MBR-2', sk: LAST_KEY.sk }) as string;

    expect(refusal(() => decodeCursor(KEYS, ofAnotherMember, PK, 'JOB#')).code).toBe('INVALID_CURSOR');
  });

  it('still opens a cursor sealed with the previous key after a rotation, and seals new ones with the new key', () => {
    const before = encodeCursor(KEYS, LAST_KEY) as string;
    const rotated = { current: OTHER_STACK.current, previous: KEYS.current };

    const reopened = decodeCursor(rotated, before, PK, 'JOB#');
    const after = encodeCursor(rotated, LAST_KEY) as string;

    expect(reopened).toEqual(LAST_KEY);
    expect(decodeCursor(OTHER_STACK, after, PK, 'JOB#')).toEqual(LAST_KEY);
  });
});

describe('sync cursors are sealed and bound to their member', () => {
  it('opens a sync cursor it sealed for the same member', () => {
    const cursor = encodeSyncCursor(KEYS, 'MBR-1', { seq: 7, sk: 'TXN#1' });

    expect(decodeSyncCursor(KEYS, 'MBR-1', cursor)).toEqual({ seq: 7, sk: 'TXN#1' });
    expect(Buffer.from(cursor, 'base64url').toString('latin1')).not.toContain('MBR-1');
  });

  it('refuses another member’s sync cursor (400 INVALID_CURSOR naming updated_since_cursor)', () => {
    const cursor = encodeSyncCursor(KEYS, 'MBR-2', { seq: 7 });

    expect(refusal(() => decodeSyncCursor(KEYS, 'MBR-1', cursor))).toEqual({
      code: 'INVALID_CURSOR',
      field: 'updated_since_cursor',
    });
  });

  it('refuses a tampered, foreign or readable sync cursor', () => {
    const cursor = encodeSyncCursor(KEYS, 'MBR-1', { seq: 7 });
    const readable = Buffer.from(JSON.stringify({ m: 'MBR-1', seq: 7 })).toString('base64url');

    for (const bad of [tampered(cursor, 20), encodeSyncCursor(OTHER_STACK, 'MBR-1', { seq: 7 }), readable]) {
      expect(refusal(() => decodeSyncCursor(KEYS, 'MBR-1', bad)).code).toBe('INVALID_CURSOR');
    }
  });

  it('never opens a page cursor as a sync cursor, nor the reverse', () => {
    const page = encodeCursor(KEYS, { m: 'MBR-1', seq: 7 }) as string;
    const sync = encodeSyncCursor(KEYS, 'MBR-1', { seq: 7 });

    expect(refusal(() => decodeSyncCursor(KEYS, 'MBR-1', page)).code).toBe('INVALID_CURSOR');
    expect(refusal(() => decodeCursor(KEYS, sync, PK)).code).toBe('INVALID_CURSOR');
  });
});

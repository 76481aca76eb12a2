import { describe, expect, it } from 'vitest';
import { cursorKeyOf, decodeCursor, encodeCursor } from '#shared/api/cursor.js';
import { parseCursorSecret } from '#shared/runtime/cursor-secret.js';

const KEY = 'k'.repeat(64);
const SENTINEL = 'SENTINEL-cursor-key';

describe('reading the cursor secret', () => {
  it('derives the key that seals cursors from the secret’s key', () => {
    const keys = parseCursorSecret({ key: KEY });
    const cursor = encodeCursor(keys, { pk: 'P', sk: 'S' }) as string;

    expect(keys).toEqual({ current: cursorKeyOf(KEY) });
    expect(keys.current).toHaveLength(32);
    expect(decodeCursor({ current: cursorKeyOf(KEY) }, cursor, 'P')).toEqual({ pk: 'P', sk: 'S' });
  });

  it('keeps the previous key of a rotation', () => {
    expect(parseCursorSecret({ key: KEY, previous_key: 'p'.repeat(40) })).toEqual({
      current: cursorKeyOf(KEY),
      previous: cursorKeyOf('p'.repeat(40)),
    });
  });

  it.each([
    ['no key', {}, 'the cursor secret has no key of at least 32 characters'],
    ['a short key', { key: SENTINEL }, 'the cursor secret has no key of at least 32 characters'],
    ['a key that is not text', { key: [SENTINEL] }, 'the cursor secret has no key of at least 32 characters'],
    [
      'a short previous key',
      { key: KEY, previous_key: SENTINEL },
      'the cursor secret has a previous_key shorter than 32',
    ],
    ['not an object', SENTINEL, 'the cursor secret is not a JSON object'],
  ])('refuses %s, naming only what is wrong', (_, secret, message) => {
    expect(() => parseCursorSecret(secret)).toThrow(message);
    expect(() => parseCursorSecret(secret)).not.toThrow(/SENTINEL/);
  });
});

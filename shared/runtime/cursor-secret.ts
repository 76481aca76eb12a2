import { type CursorKeys, cursorKeyOf } from '#shared/api/cursor.js';
import { readJsonSecret } from './secrets.js';

/** What errors call the secret; they never quote it. */
const CURSOR_SECRET = 'the cursor secret';

/** Fewer characters than this would make a guessable key (the stack generates 64 letters and digits). */
const MIN_KEY_LENGTH = 32;

const usable = (value: unknown): value is string => typeof value === 'string' && value.length >= MIN_KEY_LENGTH;

/**
 * The cursor secret: `{"key": …, "previous_key"?: …}`. After a rotation `previous_key` holds the
 * old key for as long as cursors sealed with it should still open (sync cursors are kept 30 days).
 */
export function parseCursorSecret(raw: unknown): CursorKeys {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new Error(`${CURSOR_SECRET} is not a JSON object`);
  const { key, previous_key: previous } = raw as { key?: unknown; previous_key?: unknown };
  const problems = [
    ...(usable(key) ? [] : [`has no key of at least ${MIN_KEY_LENGTH} characters`]),
    ...(previous === undefined || usable(previous) ? [] : [`has a previous_key shorter than ${MIN_KEY_LENGTH}`]),
  ];
  if (problems.length > 0) throw new Error(`${CURSOR_SECRET} ${problems.join(', ')}`);
  return {
    current: cursorKeyOf(key as string),
    ...(previous === undefined ? {} : { previous: cursorKeyOf(previous as string) }),
  };
}

/** The cursor keys from Secrets Manager, read through Powertools' cache. */
export const cursorKeysFromSecret = async (secretId: string): Promise<CursorKeys> =>
  parseCursorSecret(await readJsonSecret(secretId, CURSOR_SECRET));

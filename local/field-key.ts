import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV } from '#shared/contract/workflow.js';
import { LOCAL_FIELD_KEY_BYTES } from '#shared/runtime/field-keyring.js';

/** Where the local stack keeps what outlives one run (git ignores it). */
const LOCAL_DATA_DIR = fileURLToPath(new URL('../.mxflow-local/', import.meta.url));

/**
 * The local stand-in for the KMS key that wraps the result fields' data keys: the file FIELD_KEY_FILE
 * names, or else `.mxflow-local/field-key`, 32 random bytes made on the first start. Answers the file
 * and its key, checked: a wrong file fails the start, not the first copy.
 */
export function localFieldKey(
  env: NodeJS.ProcessEnv = process.env,
  dataDir = LOCAL_DATA_DIR,
): { file: string; key: Buffer } {
  const file = env[ENV.fieldKeyFile] || join(dataDir, 'field-key');
  if (!env[ENV.fieldKeyFile]) createOnce(dataDir, file);
  const key = readFileSync(file);
  if (key.length !== LOCAL_FIELD_KEY_BYTES)
    throw new Error(`${file} must hold the ${LOCAL_FIELD_KEY_BYTES} bytes of an AES-256 key, not ${key.length}`);
  return { file, key };
}

/** Written whole under another name, then linked in place: a stack starting alongside never reads half a key. */
function createOnce(dataDir: string, file: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, randomBytes(LOCAL_FIELD_KEY_BYTES), { mode: 0o600 });
  try {
    linkSync(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(draft);
  }
}

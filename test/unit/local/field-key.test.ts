import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localFieldKey } from '#local/field-key.js';
import { ENV } from '#shared/contract/workflow.js';
import { FieldCipher } from '#shared/crypto/field-cipher.js';
import { checkLocalFieldKeyUse, localFieldKeyring } from '#shared/runtime/field-keyring.js';

const dirs: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mxflow-field-key-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  checkLocalFieldKeyUse(undefined);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const owner = { userGuid: 'USR-1', memberGuid: 'MBR-1' };

describe('the local field key', () => {
  it('is 32 random bytes made on the first start in the data folder, readable by its owner only, and the same on the next start', () => {
    const dataDir = join(scratch(), 'data');

    const first = localFieldKey({}, dataDir);
    const second = localFieldKey({}, dataDir);

    expect(first.file).toBe(join(dataDir, 'field-key'));
    expect(first.key).toHaveLength(32);
    expect(second.key.equals(first.key)).toBe(true);
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dataDir)).toEqual(['field-key']);
  });

  it('is the file FIELD_KEY_FILE names, when set, and nothing is made in the data folder', () => {
    const dir = scratch();
    const file = join(dir, 'my-key');
    const key = randomBytes(32);
    writeFileSync(file, key);

    const found = localFieldKey({ [ENV.fieldKeyFile]: file }, join(dir, 'data'));

    expect(found).toEqual({ file, key });
    expect(readdirSync(dir)).toEqual(['my-key']);
  });

  it('refuses a file that is not an AES-256 key, naming it', () => {
    const file = join(scratch(), 'short-key');
    writeFileSync(file, randomBytes(16));

    expect(() => localFieldKey({ [ENV.fieldKeyFile]: file })).toThrow(`${file} must hold the 32 bytes`);
  });

  it('is refused, as KMS refuses a role without the grant, when the running function may not use it so', async () => {
    const key = randomBytes(32);
    const cipher = new FieldCipher(() => localFieldKeyring(key));
    const sealed = await cipher.seal(owner, 'account_numbers', { account_number: '2925989810' });
    checkLocalFieldKeyUse((use) => {
      if (use === 'decrypt') throw new Error('AccessDeniedException: may not decrypt');
    });

    const reading = new FieldCipher(() => localFieldKeyring(key)).open(owner, 'account_numbers', sealed);
    const writing = new FieldCipher(() => localFieldKeyring(key)).seal(owner, 'account_numbers', {
      routing_number: '1',
    });

    await expect(reading).rejects.toThrow('AccessDeniedException');
    await expect(writing).resolves.toEqual({ routing_number: expect.any(Uint8Array) });
  });
});

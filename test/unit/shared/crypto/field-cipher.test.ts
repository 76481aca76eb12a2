import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FieldCipher, fieldContext, SealedFieldMismatch } from '#shared/crypto/field-cipher.js';
import { SENSITIVE_FIELDS } from '#shared/crypto/sensitive-fields.js';
import { localFieldKeyring } from '#shared/runtime/field-keyring.js';
import { CountingKeyring } from '#test/support/counting-keyring.js';

const owner = { userGuid: 'USR-1', memberGuid: 'MBR-1' };
const number = {
  guid: 'ACN-1',
  account_guid: 'ACT-1',
  account_number: '2925989810',
  routing_number: '128069910',
  transit_number: null,
  passed_validation: true,
};
const person = {
  guid: 'ACO-1',
  owner_name: 'Pat Sample',
  address: '3401 N Thanksgiving Way',
  city: 'Lehi',
  postal_code: '84043',
  email: 'pat.sample@example.com',
  phone: '555-0142',
};

const plainForms = (value: string) => [value, Buffer.from(value).toString('base64'), JSON.stringify(value)];

describe('FieldCipher', () => {
  it('encrypts each sensitive value into a message that holds neither it nor its base64, and decrypts it back', async () => {
    const cipher = new FieldCipher(() => new CountingKeyring());

    const sealed = await cipher.seal(owner, 'account_owners', person);
    const opened = await cipher.open(owner, 'account_owners', sealed);

    for (const field of ['owner_name', 'address', 'city', 'postal_code', 'email', 'phone'] as const) {
      expect(sealed[field]).toBeInstanceOf(Uint8Array);
      const stored = Buffer.from(sealed[field] as unknown as Uint8Array);
      for (const form of plainForms(person[field])) {
        expect(stored.includes(form)).toBe(false);
        expect(stored.toString('base64')).not.toContain(Buffer.from(form).toString('base64'));
      }
    }
    expect(opened).toEqual(person);
  });

  it('leaves guids, flags and empty values as they are', async () => {
    const cipher = new FieldCipher(() => new CountingKeyring());

    const sealed = await cipher.seal(owner, 'account_numbers', number);

    expect(sealed).toMatchObject({
      guid: 'ACN-1',
      account_guid: 'ACT-1',
      transit_number: null,
      passed_validation: true,
    });
    expect(SENSITIVE_FIELDS.transactions).toEqual([]);
  });

  it('refuses a value copied to another member’s row, another user’s, or another field', async () => {
    const cipher = new FieldCipher(() => new CountingKeyring());
    const sealed = await cipher.seal(owner, 'account_numbers', number);

    const otherMember = cipher.open({ ...owner, memberGuid: 'MBR-2' }, 'account_numbers', sealed);
    const otherUser = cipher.open({ ...owner, userGuid: 'USR-2' }, 'account_numbers', sealed);
    const otherField = cipher.open(owner, 'account_numbers', { routing_number: sealed.account_number });

    await expect(otherMember).rejects.toThrow(SealedFieldMismatch);
    await expect(otherUser).rejects.toThrow(SealedFieldMismatch);
    await expect(otherField).rejects.toThrow(SealedFieldMismatch);
  });

  it('cannot decrypt with another key (a different local key file)', async () => {
    const sealed = await new FieldCipher(() => localFieldKeyring(randomBytes(32))).seal(owner, 'accounts', {
      account_number: 'XXXXXX9810',
    });

    const opening = new FieldCipher(() => localFieldKeyring(randomBytes(32))).open(owner, 'accounts', sealed);

    await expect(opening).rejects.toThrow();
  });

  it('keeps a value that is already encrypted (a stored row written again) instead of encrypting it twice', async () => {
    const cipher = new FieldCipher(() => new CountingKeyring());
    const sealed = await cipher.seal(owner, 'accounts', { guid: 'ACT-1', account_number: 'XXXXXX9810' });

    const again = await cipher.seal(owner, 'accounts', { ...sealed, is_closed: true });

    expect(again.account_number).toBe(sealed.account_number);
    expect(await cipher.open(owner, 'accounts', again)).toEqual({
      guid: 'ACT-1',
      account_number: 'XXXXXX9810',
      is_closed: true,
    });
  });

  it('asks the keyring once per field for 200 rows, to encrypt and to decrypt', async () => {
    const keyring = new CountingKeyring();
    const cipher = new FieldCipher(() => keyring);
    const rows = Array.from({ length: 200 }, (_, i) => ({
      ...number,
      guid: `ACN-${i}`,
      account_number: `${1e9 + i}`,
    }));

    const sealed = [];
    for (const row of rows) sealed.push(await cipher.seal(owner, 'account_numbers', row));
    const opened = [];
    for (const row of sealed) opened.push(await cipher.open(owner, 'account_numbers', row));

    expect(opened).toEqual(rows);
    expect({ dataKeys: keyring.dataKeys, decrypts: keyring.decrypts }).toEqual({ dataKeys: 2, decrypts: 2 });
  });

  it('binds a value to its user, member and field in the encryption context', () => {
    expect(fieldContext(owner, 'account_owners', 'email')).toEqual({
      'mxflow:user_guid': 'USR-1',
      'mxflow:member_guid': 'MBR-1',
      'mxflow:field': 'account_owners.email',
    });
  });
});

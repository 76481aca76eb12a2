import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '#shared/store/keys.js';
import { type UserRecord, UserStore } from '#shared/store/user-store.js';
import { type FreshTable, freshTable } from '#test/support/dynamodb.js';
import { testFieldCiphers } from '#test/support/field-ciphers.js';

let table: FreshTable;
/** As the users API has it: encrypts and decrypts. */
let users: UserStore;
/** As the other API functions have it (the ownership check): no use of the key. */
let keyless: UserStore;
let seq = 0;

beforeAll(async () => {
  table = await freshTable('user-store');
  users = new UserStore(table.doc, table.tableName, testFieldCiphers().both);
  keyless = new UserStore(table.doc, table.tableName);
});
afterAll(() => table.client.destroy());

const newUser = (fields: Partial<UserRecord> = {}): UserRecord => {
  seq += 1;
  return {
    guid: `USR-${seq}`,
    id: `caller-${seq}`,
    email: `person-${seq}@example.com`,
    metadata: `{"tier":"gold-${seq}"}`,
    created_at: '2026-11-22T12:00:00.000Z',
    ...fields,
  };
};
const storedItem = async (guid: string) =>
  (await table.doc.send(new GetCommand({ TableName: table.tableName, Key: keys.user(guid) }))).Item;

describe('UserStore with encrypted fields', () => {
  it('stores a user’s email and metadata as ciphertext and reads them back in plaintext, by guid and by caller id', async () => {
    const user = newUser();

    await users.putUser(user);
    const item = await storedItem(user.guid);

    expect(item?.email).toBeInstanceOf(Uint8Array);
    expect(item?.metadata).toBeInstanceOf(Uint8Array);
    expect(JSON.stringify(item)).not.toContain('example.com');
    expect(JSON.stringify(item)).not.toContain('gold');
    expect(await users.getUser(user.guid)).toEqual(user);
    expect(await users.findByCallerId(String(user.id))).toEqual(user);
  });

  it('answers the user stored first, decrypted, when another claims its caller id', async () => {
    const first = newUser();
    await users.putUser(first);

    const second = await users.putUser({ ...newUser(), id: first.id });

    expect(second).toEqual({ user: first, created: false });
  });

  it('refuses to write an email or metadata where it may not encrypt: nothing is written', async () => {
    const user = newUser({ metadata: null });

    await expect(keyless.putUser(user)).rejects.toThrow('may not encrypt user fields: email');
    expect(await storedItem(user.guid)).toBeUndefined();
  });

  it('hands the fields out still encrypted where it may not decrypt, and writes a user without them', async () => {
    const sealed = newUser();
    const bare = newUser({ email: null, metadata: null });
    await users.putUser(sealed);

    await keyless.putUser(bare);
    const read = await keyless.getUser(sealed.guid);

    expect(read?.email).toBeInstanceOf(Uint8Array);
    expect(await keyless.getUser(bare.guid)).toEqual(bare);
  });
});

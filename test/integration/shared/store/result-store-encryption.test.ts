import { randomBytes } from 'node:crypto';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FieldCipher, SealedFieldMismatch } from '#shared/crypto/field-cipher.js';
import { localFieldKeyring } from '#shared/runtime/field-keyring.js';
import { keys } from '#shared/store/keys.js';
import { ResultStore } from '#shared/store/result-store.js';
import { type FreshTable, freshTable } from '#test/support/dynamodb.js';

let table: FreshTable;
/** As FetchResults has it: encrypts only. */
let copier: ResultStore;
/** As the results API has it: decrypts only. */
let reader: ResultStore;
let seq = 0;

beforeAll(async () => {
  table = await freshTable('result-store-encryption');
  const cipher = new FieldCipher(() => localFieldKeyring(randomBytes(32)));
  copier = new ResultStore(table.doc, table.tableName, { fields: { seal: cipher.seal.bind(cipher) } });
  reader = new ResultStore(table.doc, table.tableName, { fields: { open: cipher.open.bind(cipher) } });
});
afterAll(() => table.client.destroy());

const at = new Date(Date.UTC(2026, 10, 22, 12, 0, 0));
const newOwner = () => ({ userGuid: `USR-${++seq}`, memberGuid: `MBR-${seq}` });
const number = (guid: string, accountNumber: string) => ({
  guid,
  account_guid: `ACT-${guid}`,
  account_number: accountNumber,
  routing_number: '128069910',
  passed_validation: true,
});

async function copied(owner: { userGuid: string; memberGuid: string }, rows: Record<string, unknown>[]) {
  await copier.putResults(owner.memberGuid, 'account_numbers', 'JOB-1', rows as { guid: string }[], at, owner.userGuid);
  await copier.publishResults(owner.memberGuid, 'JOB-1', ['account_numbers']);
}

async function storedRows(memberGuid: string): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await table.doc.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.resultRows(memberGuid, 'account_numbers', 'JOB-1').pk },
    }),
  );
  return Items;
}

describe('ResultStore with encrypted fields', () => {
  it('stores account and routing numbers as ciphertext and gives them back in plaintext to the reader that names the user', async () => {
    const owner = newOwner();
    await copied(owner, [number('ACN-1', '2925989810')]);

    const [stored] = await storedRows(owner.memberGuid);
    const page = await reader.listResults(owner.memberGuid, 'account_numbers', { userGuid: owner.userGuid });

    expect(stored?.account_number).toBeInstanceOf(Uint8Array);
    expect(stored?.routing_number).toBeInstanceOf(Uint8Array);
    expect(JSON.stringify(stored)).not.toMatch(/2925989810|128069910/);
    expect(stored).toMatchObject({ guid: 'ACN-1', account_guid: 'ACT-ACN-1', passed_validation: true });
    expect(page.items).toEqual([
      expect.objectContaining({ guid: 'ACN-1', account_number: '2925989810', routing_number: '128069910' }),
    ]);
  });

  it('refuses to read a number copied into another member’s row', async () => {
    const victim = newOwner();
    const other = newOwner();
    await copied(victim, [number('ACN-1', '2925989810')]);
    await copied(other, [number('ACN-2', '1111111111')]);
    const [stolen] = await storedRows(victim.memberGuid);
    const [row] = await storedRows(other.memberGuid);

    await table.doc.send(
      new PutCommand({ TableName: table.tableName, Item: { ...row, account_number: stolen?.account_number } }),
    );
    const reading = reader.listResults(other.memberGuid, 'account_numbers', { userGuid: other.userGuid });

    await expect(reading).rejects.toThrow(SealedFieldMismatch);
  });

  it('refuses to write an account number through a store that cannot encrypt, and stores nothing of the page', async () => {
    const owner = newOwner();

    const writing = reader.putResults(owner.memberGuid, 'account_numbers', 'JOB-1', [number('ACN-1', '1')], at, 'U');

    await expect(writing).rejects.toThrow(/cannot encrypt/);
    expect(await storedRows(owner.memberGuid)).toEqual([]);
  });

  it('lets the copier write a stored row again as it is (a closed account), still readable for its member', async () => {
    const owner = newOwner();
    const account = { guid: 'ACT-1', account_number: 'XXXXXX9810' };
    await copier.putResults(owner.memberGuid, 'accounts', 'JOB-1', [account], at, owner.userGuid);
    await copier.publishResults(owner.memberGuid, 'JOB-1', ['accounts']);

    const [asStored] = (await copier.listResults<Record<string, unknown>>(owner.memberGuid, 'accounts', owner)).items;
    const closed = { ...asStored, guid: 'ACT-1', is_closed: true };
    await copier.putResults(owner.memberGuid, 'accounts', 'JOB-2', [closed], at, owner.userGuid);
    await copier.publishResults(owner.memberGuid, 'JOB-2', ['accounts']);
    const page = await reader.listResults(owner.memberGuid, 'accounts', { userGuid: owner.userGuid });

    expect(asStored?.account_number).toBeInstanceOf(Uint8Array);
    expect(page.items).toEqual([
      expect.objectContaining({ guid: 'ACT-1', account_number: 'XXXXXX9810', is_closed: true }),
    ]);
  });
});

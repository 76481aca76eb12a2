import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SealedFieldMismatch } from '#shared/crypto/field-cipher.js';
import { keys } from '#shared/store/keys.js';
import { type MemberRecord, MemberStore } from '#shared/store/member-store.js';
import { type FreshTable, freshTable } from '#test/support/dynamodb.js';
import { testFieldCiphers } from '#test/support/field-ciphers.js';

let table: FreshTable;
/** As the members API has it: encrypts and decrypts. */
let members: MemberStore;
/** As the jobs API has it: encrypts only (a member it adopts from MX). */
let adopter: MemberStore;
let seq = 0;

beforeAll(async () => {
  table = await freshTable('member-store');
  const ciphers = testFieldCiphers();
  members = new MemberStore(table.doc, table.tableName, ciphers.both);
  adopter = new MemberStore(table.doc, table.tableName, ciphers.sealOnly);
});
afterAll(() => table.client.destroy());

const newMember = (userGuid: string): MemberRecord => {
  seq += 1;
  return {
    guid: `MBR-${seq}`,
    user_guid: userGuid,
    institution_code: 'mxbank',
    id: null,
    metadata: `{"nickname":"joint-${seq}"}`,
    is_oauth: false,
    oauth_window_uri: null,
    connection_status: 'CONNECTED',
    created_at: '2026-11-22T12:00:00.000Z',
    updated_at: '2026-11-22T12:00:00.000Z',
  };
};
const storedItem = async (member: MemberRecord) =>
  (
    await table.doc.send(
      new GetCommand({ TableName: table.tableName, Key: keys.member(member.user_guid, member.guid) }),
    )
  ).Item;

describe('MemberStore with encrypted metadata', () => {
  it('stores a member’s metadata as ciphertext and reads it back in plaintext, alone and listed', async () => {
    const member = newMember('USR-A');

    await adopter.putMember(member);
    const item = await storedItem(member);

    expect(item?.metadata).toBeInstanceOf(Uint8Array);
    expect(JSON.stringify(item)).not.toContain('joint');
    expect(await members.getMember('USR-A', member.guid)).toEqual(member);
    expect(await members.listMembers('USR-A')).toEqual([member]);
  });

  it('refuses metadata sealed for another member, copied onto this one', async () => {
    const original = newMember('USR-B');
    const target = newMember('USR-B');
    await members.putMember(original);
    await members.putMember({ ...target, metadata: null });

    const sealed = (await storedItem(original))?.metadata;
    await table.doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...(await storedItem(target)), metadata: sealed },
      }),
    );

    await expect(members.getMember('USR-B', target.guid)).rejects.toBeInstanceOf(SealedFieldMismatch);
  });
});

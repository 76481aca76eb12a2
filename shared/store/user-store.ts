import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { FieldCipherUse } from '#shared/crypto/field-cipher.js';
import { userOwner } from '#shared/crypto/sensitive-fields.js';
import { sendTransaction } from './dynamodb-retries.js';
import { keys, withoutKeys } from './keys.js';
import { openRecord, sealRecord } from './sealed-record.js';

export interface UserRecord {
  readonly guid: string;
  readonly id: string | null;
  /** Encrypted in the table (SENSITIVE_FIELDS.user); decrypted only where the store may open them. */
  readonly email: string | null;
  readonly metadata: string | null;
  readonly created_at: string /** Set while a deletion runs (shared/store/deletion-store.ts): no job or member starts on it. */;
  readonly deletion_guid?: string;
}

/**
 * Users, and the index that keeps the caller's own user id unique. A user's email and metadata
 * are sealed before a write and opened after a read with `fields` (the users API's; see sealRecord).
 */
export class UserStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly fields: FieldCipherUse = {},
  ) {}

  /** Strongly consistent: a caller reads its user right after creating it, and must not get a 404. */
  async getUser(userGuid: string): Promise<UserRecord | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.user(userGuid), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return openRecord(this.fields, userOwner(userGuid), 'user', withoutKeys<UserRecord>(Item));
  }

  async findByCallerId(id: string): Promise<UserRecord | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.userId(id), ConsistentRead: true }),
    );
    return Item ? this.getUser(String(Item.user_guid)) : undefined;
  }

  /**
   * Stores a user and claims its id. Answers the user stored under that id when another
   * request claimed it first, so one id never maps to two users.
   */
  async putUser(user: UserRecord): Promise<{ user: UserRecord; created: boolean }> {
    const sealed = await sealRecord(this.fields, userOwner(user.guid), 'user', user);
    try {
      await sendTransaction(
        this.doc,
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.user(user.guid), ...sealed },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            ...(user.id
              ? [
                  {
                    Put: {
                      TableName: this.tableName,
                      Item: { ...keys.userId(user.id), user_guid: user.guid },
                      ConditionExpression: 'attribute_not_exists(pk)',
                    },
                  },
                ]
              : []),
          ],
        }),
      );
      return { user, created: true };
    } catch (error) {
      const existing =
        error instanceof TransactionCanceledException && user.id ? await this.findByCallerId(user.id) : undefined;
      if (existing) return { user: existing, created: false };
      throw error;
    }
  }
}

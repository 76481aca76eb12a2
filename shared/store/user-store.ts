import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { sendTransaction } from './dynamodb-retries.js';
import { keys, withoutKeys } from './keys.js';

export interface UserRecord {
  readonly guid: string;
  readonly id: string | null;
  readonly email: string | null;
  readonly metadata: string | null;
  readonly created_at: string /** Set while a deletion runs (shared/store/deletion-store.ts): no job or member starts on it. */;
  readonly deletion_guid?: string;
}

/** Users, and the index that keeps the caller's own user id unique. */
export class UserStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Strongly consistent: a caller reads its user right after creating it, and must not get a 404. */
  async getUser(userGuid: string): Promise<UserRecord | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.user(userGuid), ConsistentRead: true }),
    );
    return Item ? withoutKeys<UserRecord>(Item) : undefined;
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
    try {
      await sendTransaction(
        this.doc,
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.user(user.guid), ...user },
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

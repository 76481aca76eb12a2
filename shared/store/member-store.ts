import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { FieldCipherUse } from '#shared/crypto/field-cipher.js';
import { applied } from './conditional-write.js';
import { keys, withoutKeys } from './keys.js';
import { queryAll } from './query-all.js';
import { openRecord, sealRecord } from './sealed-record.js';

/** A member as mxflow keeps it: never its credentials. */
export interface MemberRecord {
  readonly guid: string;
  readonly user_guid: string;
  readonly institution_code: string;
  readonly id: string | null;
  /** Encrypted in the table (SENSITIVE_FIELDS.member); decrypted only where the store may open it. */
  readonly metadata: string | null;
  readonly is_oauth: boolean;
  readonly oauth_window_uri: string | null;
  readonly connection_status: string | null;
  /** When mxflow last read the connection status from MX outside a job (after a webhook); absent before. */
  readonly connection_status_at?: string;
  readonly created_at: string;
  readonly updated_at: string /** Set while a deletion runs (shared/store/deletion-store.ts): no job or member starts on it. */;
  readonly deletion_guid?: string;
}

/** Members. A member's metadata is sealed before a write and opened after a read with `fields` (see sealRecord). */
export class MemberStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly fields: FieldCipherUse = {},
  ) {}

  async putMember(member: MemberRecord): Promise<void> {
    const sealed = await sealRecord(this.fields, ownerOf(member), 'member', member);
    await this.doc.send(
      new PutCommand({ TableName: this.tableName, Item: { ...keys.member(member.user_guid, member.guid), ...sealed } }),
    );
  }

  /**
   * The member, only if it belongs to this user. Strongly consistent: it is the ownership check
   * of every call that follows the member's creation (a job start at once), never a false 404.
   */
  async getMember(userGuid: string, memberGuid: string): Promise<MemberRecord | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.member(userGuid, memberGuid), ConsistentRead: true }),
    );
    return Item ? this.opened(withoutKeys<MemberRecord>(Item)) : undefined;
  }

  /** Strongly consistent: a member the caller just created (or deleted) is in the list (or gone). */
  async listMembers(userGuid: string): Promise<MemberRecord[]> {
    const items = await queryAll(this.doc, this.tableName, keys.membersOfUser(userGuid));
    return Promise.all(items.map((item) => this.opened(withoutKeys<MemberRecord>(item))));
  }

  private opened(member: MemberRecord): Promise<MemberRecord> {
    return openRecord(this.fields, ownerOf(member), 'member', member);
  }

  /**
   * MX's connection status as a read outside any job found it (after a webhook), unless a
   * later read is already recorded (webhooks come out of order). Answers whether it applied.
   */
  async recordConnectionStatus(
    userGuid: string,
    memberGuid: string,
    status: { connectionStatus: string | null; readAt: Date },
  ): Promise<boolean> {
    const at = status.readAt.toISOString();
    return applied(
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.member(userGuid, memberGuid),
          UpdateExpression: 'SET connection_status = :cs, connection_status_at = :at',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(connection_status_at) OR connection_status_at < :at)',
          ExpressionAttributeValues: { ':cs': status.connectionStatus, ':at': at },
        }),
      ),
    );
  }
}

const ownerOf = (member: MemberRecord) => ({ userGuid: member.user_guid, memberGuid: member.guid });

import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DeletionStatus } from '#shared/contract/workflow.js';
import { applied } from './conditional-write.js';
import { sendTransaction } from './dynamodb-retries.js';
import { lockSecond } from './job-record.js';
import { keys, withoutKeys } from './keys.js';

/** A user's or a member's deletion, as the API shows it: guids and counts only, never data. */
export interface DeletionRecord {
  readonly deletion_guid: string;
  /** What was asked to be deleted: a whole user (all its members) or one member. */
  readonly scope: 'user' | 'member';
  readonly user_guid: string;
  readonly member_guids: readonly string[];
  readonly status: DeletionStatus;
  /** Jobs that were running and were cancelled first. */
  readonly cancelled_jobs: readonly string[];
  /** Whether MX has deleted the user (or member) too. */
  readonly deleted_at_mx: boolean;
  /** Items purged from mxflow's table so far. */
  readonly items_deleted: number;
  readonly error?: { readonly code: string; readonly message: string } | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly finished_at?: string;
}

export interface NewDeletion {
  readonly deletionGuid: string;
  readonly scope: 'user' | 'member';
  readonly userGuid: string;
  readonly memberGuids: readonly string[];
  readonly now: Date;
}

/** A deletion as it starts: RUNNING, nothing cancelled, deleted or purged yet. */
export function newDeletionRecord(deletion: NewDeletion): DeletionRecord {
  const at = deletion.now.toISOString();
  return {
    deletion_guid: deletion.deletionGuid,
    scope: deletion.scope,
    user_guid: deletion.userGuid,
    member_guids: [...deletion.memberGuids],
    status: 'RUNNING',
    cancelled_jobs: [],
    deleted_at_mx: false,
    items_deleted: 0,
    created_at: at,
    updated_at: at,
  };
}

/** Another deletion already holds the user or one of the members: answered instead of a second one. */
export class DeletionUnderwayError extends Error {
  override readonly name = 'DeletionUnderwayError';
  constructor(readonly deletionGuid: string) {
    super(`deletion ${deletionGuid} is already under way`);
  }
}

/** How long a member stays locked by a deletion that died without ending (its execution's limit is far shorter). */
const DELETION_LOCK_SECONDS = 24 * 60 * 60;

/** How long a finished deletion's record (guids and counts) stays readable. */
export const DELETION_RECORD_DAYS = 30;

/**
 * Deletions of users and members. Starting one marks the user (for a user's deletion) and each
 * member with the deletion's guid in the same transaction as its record: from then on no job
 * starts on them and no member is created for the user (their writes are conditional on the mark).
 */
export class DeletionStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async createDeletion(deletion: NewDeletion): Promise<DeletionRecord> {
    const record = newDeletionRecord(deletion);
    const mark = (key: { pk: string; sk: string }) => ({
      Update: {
        TableName: this.tableName,
        Key: key,
        UpdateExpression: 'SET deletion_guid = :deletion',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletion_guid)',
        ExpressionAttributeValues: { ':deletion': deletion.deletionGuid },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
      },
    });
    const marked = [
      ...(deletion.scope === 'user' ? [keys.user(deletion.userGuid)] : []),
      ...deletion.memberGuids.map((memberGuid) => keys.member(deletion.userGuid, memberGuid)),
    ];
    try {
      await sendTransaction(
        this.doc,
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.deletion(deletion.deletionGuid), ...record },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            ...marked.map(mark),
          ],
        }),
      );
    } catch (error) {
      const underway = (error instanceof TransactionCanceledException ? error.CancellationReasons : undefined)
        ?.map((reason) => reason.Item?.deletion_guid?.S)
        .find((guid) => guid !== undefined);
      if (underway) throw new DeletionUnderwayError(underway);
      throw error;
    }
    return record;
  }

  async getDeletion(deletionGuid: string): Promise<DeletionRecord | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.deletion(deletionGuid), ConsistentRead: true }),
    );
    return Item ? withoutKeys<DeletionRecord>(Item) : undefined;
  }

  /**
   * Takes the member's lock for the deletion, once no job holds it (an expired lock counts as
   * free, and so does one held by `staleHolder`, a job that has ended). Answers the job guid still
   * holding it, for the caller to cancel, or undefined once taken.
   */
  async takeMemberLock(
    memberGuid: string,
    deletionGuid: string,
    now: Date,
    staleHolder?: string,
  ): Promise<string | undefined> {
    const nowSeconds = lockSecond(now);
    const taken = await applied(
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.memberLock(memberGuid),
            job_guid: deletionGuid,
            job_type: 'deletion',
            expires_at: nowSeconds + DELETION_LOCK_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expires_at < :now OR job_guid IN (:deletion, :stale)',
          ExpressionAttributeValues: {
            ':now': nowSeconds,
            ':deletion': deletionGuid,
            ':stale': staleHolder ?? deletionGuid,
          },
        }),
      ),
    );
    if (taken) return undefined;
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.memberLock(memberGuid), ConsistentRead: true }),
    );
    // Released between the write and the read: the next try takes it.
    return Item ? String(Item.job_guid) : '';
  }

  /** Adds what a step did to the record: jobs it cancelled, MX's deletion, items it purged. */
  async recordProgress(
    deletionGuid: string,
    progress: { cancelledJobs?: readonly string[]; deletedAtMx?: boolean; itemsDeleted?: number; now: Date },
  ): Promise<void> {
    const sets = ['updated_at = :now'];
    const adds: string[] = [];
    const values: Record<string, unknown> = { ':now': progress.now.toISOString() };
    if (progress.cancelledJobs?.length) {
      sets.push('cancelled_jobs = list_append(cancelled_jobs, :cancelled)');
      values[':cancelled'] = progress.cancelledJobs;
    }
    if (progress.deletedAtMx) {
      sets.push('deleted_at_mx = :true');
      values[':true'] = true;
    }
    if (progress.itemsDeleted) {
      adds.push('items_deleted :n');
      values[':n'] = progress.itemsDeleted;
    }
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.deletion(deletionGuid),
        UpdateExpression: `SET ${sets.join(', ')}${adds.length ? ` ADD ${adds.join(', ')}` : ''}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: values,
      }),
    );
  }

  /**
   * Ends the deletion. A failed one gives the user and members back (their marks and the
   * deletion's locks are removed), so the caller can delete them again.
   */
  async finishDeletion(
    deletion: DeletionRecord,
    end: { status: Exclude<DeletionStatus, 'RUNNING'>; error?: { code: string; message: string }; now: Date },
  ): Promise<void> {
    const at = end.now.toISOString();
    if (end.status === 'FAILED') {
      for (const memberGuid of deletion.member_guids) await this.giveBack(deletion, memberGuid);
      if (deletion.scope === 'user') await this.unmark(keys.user(deletion.user_guid), deletion.deletion_guid);
    }
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.deletion(deletion.deletion_guid),
        UpdateExpression:
          'SET #status = :status, #error = :error, finished_at = :now, updated_at = :now, expires_at = :expires',
        ConditionExpression: '#status = :running',
        ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
        ExpressionAttributeValues: {
          ':status': end.status,
          ':error': end.error ?? null,
          ':now': at,
          ':running': 'RUNNING',
          ':expires': Math.floor(end.now.getTime() / 1000) + DELETION_RECORD_DAYS * 24 * 60 * 60,
        },
      }),
    );
  }

  /** The lock first, the mark after: in between, the mark alone still refuses new jobs. */
  private async giveBack(deletion: DeletionRecord, memberGuid: string): Promise<void> {
    await applied(
      this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.memberLock(memberGuid),
          ConditionExpression: 'job_guid = :deletion',
          ExpressionAttributeValues: { ':deletion': deletion.deletion_guid },
        }),
      ),
    );
    await this.unmark(keys.member(deletion.user_guid, memberGuid), deletion.deletion_guid);
  }

  private async unmark(key: { pk: string; sk: string }, deletionGuid: string): Promise<void> {
    await applied(
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'REMOVE deletion_guid',
          ConditionExpression: 'deletion_guid = :deletion',
          ExpressionAttributeValues: { ':deletion': deletionGuid },
        }),
      ),
    );
  }
}

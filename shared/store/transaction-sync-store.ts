import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { BATCH_SIZE, writeBatch } from './batch-write.js';
import { conditionally } from './conditional-write.js';
import { keys } from './keys.js';
import { queryAll } from './query-all.js';
import type { ResultStore } from './result-store.js';
import { TABLE_DEFINITION } from './table-definition.js';

/** How long the change feed keeps a sync's changes: a cursor older than that reads the whole list again. */
export const CHANGE_RETENTION_DAYS = 30;

/** Where a member's transactions stand against MX. */
export interface TransactionSyncState {
  /** YYYY-MM-DD the last committed copy or sync began: MX's changes since are what the next one fetches. */
  readonly synced_on: string;
  /** The number of the last committed copy or sync (the change feed's position). */
  readonly commit_seq: number;
  /** The number of the last full copy: a change-feed cursor from before it reads the whole list again. */
  readonly full_copy_seq: number;
}

/** Who a committed member is, for the scheduled refresh that starts its next sync. */
export interface RefreshedMember {
  readonly userGuid: string;
  readonly isOauth: boolean;
  readonly refreshAfterSeconds: number;
}

/** A member the refresh index says is due. */
export interface DueMember {
  readonly memberGuid: string;
  readonly userGuid: string;
  readonly isOauth: boolean;
  /** Refreshes started since its last commit (each one that did not commit defers the next further). */
  readonly attempts: number;
}

/** A transaction stored PENDING, by reference. */
export interface PendingTransaction {
  readonly account_guid: string;
  readonly guid: string;
  readonly date: string;
  /** The job that stored it as it is. */
  readonly job_guid: string;
}

/** An MX transaction as a sync writes it. */
export interface SyncedTransaction {
  readonly guid?: string | null;
  readonly account_guid?: string | null;
  readonly status?: string | null;
  readonly date?: string | null;
}

/** A change as the feed hands it out: the row as stored, or a removal. */
export type TransactionChange = Record<string, unknown> & { readonly guid: string; readonly account_guid: string };

/** A position in the change feed: after commit `seq`, and within the next commit after row `sk`. */
export interface ChangePosition {
  readonly seq: number;
  readonly sk?: string;
}

/** A change-feed position from before the last full copy: the changes since are not a diff. */
export class ChangeFeedGap extends Error {
  override readonly name = 'ChangeFeedGap';
}

const DAY_SECONDS = 86_400;
const pendingKey = (memberGuid: string, t: { account_guid?: unknown; guid?: unknown }) =>
  keys.pendingTransaction(memberGuid, String(t.account_guid), String(t.guid));

/**
 * A member's transactions kept current: after the first full copy, a sync writes only what MX
 * changed, in place in the published generation, and records each change for the API's change
 * feed (`CHANGES#<member>#<job>`); a commit then numbers the sync and advances `synced_on`, so
 * a failed sync leaves the cursor where it was and the next one fetches its changes again.
 * Stored PENDING transactions are kept by reference beside the member (few at a time), for the
 * next sync to check: MX does not say when it replaces one.
 */
export class TransactionSyncStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly results: Pick<ResultStore, 'putResults'>,
  ) {}

  async state(memberGuid: string): Promise<TransactionSyncState | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.transactionSync(memberGuid), ConsistentRead: true }),
    );
    return Item as TransactionSyncState | undefined;
  }

  async pending(memberGuid: string): Promise<PendingTransaction[]> {
    return (await queryAll(this.doc, this.tableName, keys.pendingTransactions(memberGuid))).map((item) => ({
      account_guid: String(item.account_guid),
      guid: String(item.guid),
      date: String(item.date),
      job_guid: String(item.job_guid),
    }));
  }

  /**
   * Writes changed transactions into the published generation and the job's change list, and
   * keeps the pending references in step (a PENDING row noted; the note of one in `noted`, the
   * guids noted when the sync began, removed once it is not). Answers how many rows it wrote.
   */
  async applyChanges(
    memberGuid: string,
    generation: string,
    jobGuid: string,
    rows: readonly SyncedTransaction[],
    storedAt: Date,
    noted: ReadonlySet<string>,
  ): Promise<number> {
    if (rows.length === 0) return 0;
    await this.results.putResults(memberGuid, 'transactions', generation, rows, storedAt);
    const expires = this.expiry(storedAt);
    const changes = rows.map((row) => ({
      PutRequest: { Item: { ...row, ...changeKey(memberGuid, jobGuid, row), removed: false, [TTL]: expires } },
    }));
    await this.notePending(memberGuid, jobGuid, rows, noted);
    await this.inBatches(changes);
    return rows.length;
  }

  /**
   * Notes the PENDING rows, for the next sync to check, and forgets the notes of rows in `noted`
   * that are no longer PENDING (a full copy passes none: the notes it replaces go at its commit).
   */
  async notePending(
    memberGuid: string,
    jobGuid: string,
    rows: readonly SyncedTransaction[],
    noted: ReadonlySet<string> = new Set(),
  ): Promise<void> {
    const notes = rows.flatMap((row) =>
      row.status === 'PENDING'
        ? {
            PutRequest: {
              Item: {
                ...pendingKey(memberGuid, row),
                account_guid: row.account_guid,
                guid: row.guid,
                date: row.date,
                job_guid: jobGuid,
              },
            },
          }
        : noted.has(String(row.guid))
          ? { DeleteRequest: { Key: pendingKey(memberGuid, row) } }
          : [],
    );
    await this.inBatches(notes);
  }

  /** Removes transactions MX no longer has (a pending one it replaced), recording each removal in the feed. */
  async remove(
    memberGuid: string,
    generation: string,
    jobGuid: string,
    gone: readonly PendingTransaction[],
    storedAt: Date,
  ): Promise<number> {
    const expires = this.expiry(storedAt);
    const requests = gone.flatMap((t) => [
      {
        DeleteRequest: {
          Key: { ...keys.resultRows(memberGuid, 'transactions', generation, t.account_guid), sk: t.guid },
        },
      },
      { DeleteRequest: { Key: pendingKey(memberGuid, t) } },
      {
        PutRequest: {
          Item: {
            ...changeKey(memberGuid, jobGuid, t),
            guid: t.guid,
            account_guid: t.account_guid,
            member_guid: memberGuid,
            removed: true,
            [TTL]: expires,
          },
        },
      },
    ]);
    await this.inBatches(requests);
    return gone.length;
  }

  /**
   * Commits a copy or sync: numbers it, moves `synced_on` to the day it began, and adds it to the
   * change feed. Once per job: a retry finds its own commit and only makes sure of the feed entry.
   * A full copy also drops the pending notes older copies left.
   */
  async commit(
    memberGuid: string,
    jobGuid: string,
    { syncedOn, fullCopy, now, member }: { syncedOn: string; fullCopy: boolean; now: Date; member?: RefreshedMember },
  ): Promise<number> {
    // The scheduled refresh's index: due again `refreshAfterSeconds` from now, its failures forgotten.
    const refresh = member
      ? {
          ...keys.refreshDue(memberGuid, new Date(now.getTime() + member.refreshAfterSeconds * 1000).toISOString()),
          member_guid: memberGuid,
          user_guid: member.userGuid,
          is_oauth: member.isOauth,
          refresh_attempts: 0,
        }
      : {};
    const names = Object.keys(refresh);
    const updated = await conditionally(
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.transactionSync(memberGuid),
          UpdateExpression: `SET synced_on = :on, last_job_guid = :job, commit_seq = if_not_exists(commit_seq, :zero) + :one${
            fullCopy ? ', full_copy_seq = if_not_exists(commit_seq, :zero) + :one' : ''
          }${names.map((name) => `, ${name} = :${name}`).join('')}`,
          ConditionExpression: 'attribute_not_exists(last_job_guid) OR last_job_guid <> :job',
          ExpressionAttributeValues: {
            ':on': syncedOn,
            ':job': jobGuid,
            ':zero': 0,
            ':one': 1,
            ...Object.fromEntries(Object.entries(refresh).map(([name, value]) => [`:${name}`, value])),
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    const seq = Number(updated?.Attributes?.commit_seq ?? (await this.state(memberGuid))?.commit_seq ?? 0);
    const entry = { ...keys.changeFeedEntry(memberGuid, seq), job_guid: jobGuid, full_copy: fullCopy };
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...entry, [TTL]: this.expiry(now) } }));
    if (fullCopy) {
      const stale = (await this.pending(memberGuid)).filter((p) => p.job_guid !== jobGuid);
      await this.inBatches(stale.map((p) => ({ DeleteRequest: { Key: pendingKey(memberGuid, p) } })));
    }
    return seq;
  }

  /**
   * Up to `limit` changes after `from`, commit after commit (each in row order), and the
   * position after the last one handed out. Throws ChangeFeedGap when a full copy was committed
   * after `from`, or the feed no longer holds the commits after it.
   */
  async listChanges(
    memberGuid: string,
    from: ChangePosition,
    limit: number,
  ): Promise<{ changes: TransactionChange[]; next: ChangePosition; more: boolean }> {
    const state = await this.state(memberGuid);
    if (state === undefined) return { changes: [], next: from, more: false };
    if (from.seq < state.full_copy_seq || from.seq > state.commit_seq) throw new ChangeFeedGap();
    const entries = (await queryAll(this.doc, this.tableName, keys.changeFeed(memberGuid)))
      .map((item) => ({ seq: Number(String(item.sk).split('#')[1]), job: String(item.job_guid) }))
      .filter((entry) => entry.seq > from.seq)
      .sort((a, b) => a.seq - b.seq);
    if (entries.length > 0 && entries[0]?.seq !== from.seq + 1) throw new ChangeFeedGap();
    const changes: TransactionChange[] = [];
    let next: ChangePosition = from;
    for (const entry of entries) {
      const startSk = next.seq === entry.seq - 1 ? next.sk : undefined;
      const { Items = [], LastEvaluatedKey } = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.transactionChanges(memberGuid, entry.job).pk },
          ConsistentRead: true,
          Limit: limit - changes.length,
          ...(startSk
            ? { ExclusiveStartKey: { pk: keys.transactionChanges(memberGuid, entry.job).pk, sk: startSk } }
            : {}),
        }),
      );
      for (const item of Items) {
        const { pk: _pk, sk: _sk, [TTL]: _ttl, ...change } = item;
        changes.push(change as TransactionChange);
      }
      const last = Items.at(-1);
      if (LastEvaluatedKey && last) return { changes, next: { seq: entry.seq - 1, sk: String(last.sk) }, more: true };
      next = { seq: entry.seq };
      if (changes.length >= limit) return { changes, next, more: entry !== entries.at(-1) };
    }
    return { changes, next, more: false };
  }

  /**
   * Members whose data is due for a refresh by `now`, the earliest first in each shard of the
   * refresh index, `limit` at most. An index read: eventually consistent (a member refreshed a
   * moment ago may still show as due; its job start then finds it busy or refreshes it again).
   */
  async dueForRefresh(now: Date, limit: number): Promise<DueMember[]> {
    const { indexName, partitionKey, sortKey } = TABLE_DEFINITION.refreshIndex;
    const due: DueMember[] = [];
    for (const shard of keys.refreshShards()) {
      if (due.length >= limit) break;
      const { Items = [] } = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: indexName,
          KeyConditionExpression: '#shard = :shard AND #due <= :now',
          ExpressionAttributeNames: { '#shard': partitionKey, '#due': sortKey },
          ExpressionAttributeValues: { ':shard': shard, ':now': now.toISOString() },
          Limit: limit - due.length,
        }),
      );
      for (const item of Items) {
        due.push({
          memberGuid: String(item.member_guid),
          userGuid: String(item.user_guid),
          isOauth: item.is_oauth === true,
          attempts: Number(item.refresh_attempts ?? 0),
        });
      }
    }
    return due;
  }

  /** Moves a member's next refresh to `due`, counting one more attempt (its commit resets both). */
  async deferRefresh(memberGuid: string, due: Date): Promise<void> {
    const { sortKey } = TABLE_DEFINITION.refreshIndex;
    await conditionally(
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.transactionSync(memberGuid),
          UpdateExpression: 'SET #due = :due ADD refresh_attempts :one',
          ConditionExpression: 'attribute_exists(#due)',
          ExpressionAttributeNames: { '#due': sortKey },
          ExpressionAttributeValues: { ':due': due.toISOString(), ':one': 1 },
        }),
      ),
    );
  }

  private expiry(now: Date): number {
    return Math.floor(now.getTime() / 1000) + CHANGE_RETENTION_DAYS * DAY_SECONDS;
  }

  private async inBatches(requests: readonly Record<string, unknown>[]): Promise<void> {
    for (let i = 0; i < requests.length; i += BATCH_SIZE) {
      await writeBatch(this.doc, this.tableName, requests.slice(i, i + BATCH_SIZE));
    }
  }
}

const TTL = TABLE_DEFINITION.timeToLiveAttribute;
const changeKey = (memberGuid: string, jobGuid: string, t: { account_guid?: unknown; guid?: unknown }) => ({
  ...keys.transactionChanges(memberGuid, jobGuid),
  sk: `${String(t.account_guid)}#${String(t.guid)}`,
});

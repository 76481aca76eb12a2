import { type DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { BATCH_SIZE, writeBatch } from './batch-write.js';
import { keys, RESULT_KINDS, type ResultKind } from './keys.js';
import { queryAll } from './query-all.js';
import type { TableKey } from './table-definition.js';

/** What one bounded purge step did: items deleted, and whether nothing is left. */
export interface PurgeProgress {
  readonly deleted: number;
  readonly done: boolean;
}

/**
 * Deletes every item mxflow holds for a member or a user, in bounded steps: each call deletes
 * until `deadline` (epoch ms) and answers whether it finished; the next call finds what is left
 * from the table itself, so a step may stop anywhere. Pointers go last (a generation's marker
 * after its rows, a job after its changes, the member's lock after everything of the member),
 * so a stopped step never loses the way to what it had not deleted yet.
 */
export class Purge {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async purgeMember(userGuid: string, memberGuid: string, deadline: number): Promise<PurgeProgress> {
    let deleted = 0;
    const step = async (work: () => Promise<PurgeProgress>) => {
      const progress = await work();
      deleted += progress.deleted;
      return progress.done && Date.now() <= deadline;
    };
    // Result rows of every generation, published or not, by the markers written before them.
    for (const marker of await queryAll(this.doc, this.tableName, keys.resultPartitionMarkers(memberGuid))) {
      if (!(await step(() => this.deletePartition(String(marker.partition), deadline))))
        return { deleted, done: false };
      if (!(await step(() => this.deleteKeys([keyOf(marker)])))) return { deleted, done: false };
    }
    for (const kind of Object.keys(RESULT_KINDS) as ResultKind[]) {
      if (!(await step(() => this.deletePartition(keys.resultsOfMember(memberGuid, kind).pk, deadline))))
        return { deleted, done: false };
    }
    // Each sync's changes, by its job (a sync that failed before its commit is named by no feed entry).
    const memberPartition = keys.jobsOfMember(memberGuid).pk;
    const jobGuids = new Set(
      (await this.partitionItems(memberPartition, 'job_guid')).flatMap((item) =>
        typeof item.job_guid === 'string' ? [item.job_guid] : [],
      ),
    );
    for (const jobGuid of jobGuids) {
      const changes = keys.transactionChanges(memberGuid, jobGuid).pk;
      if (!(await step(() => this.deletePartition(changes, deadline)))) return { deleted, done: false };
    }
    // The task tokens of its parked jobs and of its webhook wait, by key: the purge never reads a token.
    const tokens = [
      ...[...jobGuids].map((job) => keys.challengeToken(memberGuid, job)),
      keys.webhookWaitToken(memberGuid),
    ];
    // Not counted: a token is there only while its job waits.
    if (!(await step(async () => ({ deleted: 0, done: (await this.deleteKeys(tokens)).done })))) {
      return { deleted, done: false };
    }
    // The member's own partition (jobs, challenges, sync state, feed, markers left), its lock last.
    const lock = keys.memberLock(memberGuid);
    const own = await this.partitionItems(memberPartition, 'pk, sk');
    const beforeLock = own.filter((item) => item.sk !== lock.sk).map(keyOf);
    if (!(await step(() => this.deleteKeys([...beforeLock, keys.member(userGuid, memberGuid)]))))
      return { deleted, done: false };
    if (!(await step(() => this.deleteKeys(own.filter((item) => item.sk === lock.sk).map(keyOf)))))
      return { deleted, done: false };
    return { deleted, done: true };
  }

  /**
   * A user's members (every one the user's partition names, also one created while the deletion
   * started), then the kept Idempotency-Key answers about the user, its caller id, the user.
   */
  async purgeUser(userGuid: string, deadline: number): Promise<PurgeProgress> {
    let deleted = 0;
    for (const member of await queryAll(this.doc, this.tableName, keys.membersOfUser(userGuid), 'sk')) {
      const memberGuid = String(member.sk).slice('MEMBER#'.length);
      const progress = await this.purgeMember(userGuid, memberGuid, deadline);
      deleted += progress.deleted;
      if (!progress.done || Date.now() > deadline) return { deleted, done: false };
    }
    const pointers = await queryAll(this.doc, this.tableName, keys.idempotencyKeysOfUser(userGuid));
    const answers = pointers.map((pointer) => keys.idempotencyKey(String(pointer.key_hash)));
    const user = await queryAll(this.doc, this.tableName, { pk: keys.user(userGuid).pk, skPrefix: 'USER' });
    const callerIds = user.flatMap((item) => (typeof item.id === 'string' ? [keys.userId(item.id)] : []));
    const last = await this.deleteKeys([...answers, ...pointers.map(keyOf), ...callerIds]);
    deleted += last.deleted;
    // The user's partition whole, the user item with it: nothing else points at it.
    const rest = await this.deletePartition(keys.user(userGuid).pk, deadline);
    deleted += rest.deleted;
    return { deleted, done: rest.done };
  }

  /** Deletes a whole partition, page by page, until done or the deadline. */
  private async deletePartition(pk: string, deadline: number): Promise<PurgeProgress> {
    let deleted = 0;
    for await (const page of this.pages(pk, 'pk, sk')) {
      deleted += (await this.deleteKeys((page.Items ?? []).map(keyOf))).deleted;
      if (Date.now() > deadline) return { deleted, done: false };
    }
    return { deleted, done: true };
  }

  /** Every item of a partition, projected (a member's own partition: jobs, notes, markers; not its rows). */
  private async partitionItems(pk: string, projection: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for await (const page of this.pages(pk, projection)) items.push(...(page.Items ?? []));
    return items;
  }

  private pages(pk: string, projection: string) {
    return paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ProjectionExpression: projection,
        ConsistentRead: true,
      },
    );
  }

  private async deleteKeys(items: readonly TableKey[]): Promise<PurgeProgress> {
    for (let i = 0; i < items.length; i += BATCH_SIZE) {
      const batch = items.slice(i, i + BATCH_SIZE).map((Key) => ({ DeleteRequest: { Key } }));
      await writeBatch(this.doc, this.tableName, batch);
    }
    return { deleted: items.length, done: true };
  }
}

const keyOf = (item: Record<string, unknown>): TableKey => ({ pk: String(item.pk), sk: String(item.sk) });

import { BatchWriteCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { forEachWithConcurrency } from '../util/concurrency.js';
import { keys, type ResultKind } from './keys.js';

/** DynamoDB's BatchWriteItem limit. */
const BATCH_SIZE = 25;
const MAX_UNPROCESSED_ROUNDS = 8;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ResultStoreOptions {
  /** BatchWriteItem calls in flight at once per page written. */
  readonly concurrentBatches?: number;
}

export interface ResultPage<T> {
  readonly items: T[];
  /** DynamoDB's key to continue from, when there is more. */
  readonly lastKey?: Record<string, unknown>;
}

/**
 * A member's results (accounts, account numbers, owners, transactions) as MX returned them,
 * one item per MX guid: writing the same page twice leaves the same rows.
 */
export class ResultStore {
  private readonly concurrentBatches: number;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: ResultStoreOptions = {},
  ) {
    this.concurrentBatches = options.concurrentBatches ?? 4;
  }

  /** Stores one page of results; answers how many rows it wrote. */
  async putResults(memberGuid: string, kind: ResultKind, jobGuid: string, items: readonly { guid?: string | null }[], storedAt: Date): Promise<number> {
    const stored_at = storedAt.toISOString();
    const requests = items.map((item) => {
      if (typeof item.guid !== 'string' || item.guid === '') throw new Error(`an MX ${kind} item has no guid; nothing of this page was stored`);
      return { PutRequest: { Item: { ...item, ...keys.result(memberGuid, kind, item.guid), job_guid: jobGuid, stored_at } } };
    });
    const batches: (typeof requests)[] = [];
    for (let i = 0; i < requests.length; i += BATCH_SIZE) batches.push(requests.slice(i, i + BATCH_SIZE));
    await forEachWithConcurrency(batches, this.concurrentBatches, (batch) => this.writeBatch(batch));
    return requests.length;
  }

  async listResults<T>(memberGuid: string, kind: ResultKind, options: { limit?: number; startKey?: Record<string, unknown> } = {}): Promise<ResultPage<T>> {
    const { Items = [], LastEvaluatedKey } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.resultsOfMember(memberGuid, kind).pk },
        Limit: options.limit ?? 100,
        ExclusiveStartKey: options.startKey,
      }),
    );
    const items = Items.map(({ pk: _pk, sk: _sk, ...rest }) => rest as T);
    return LastEvaluatedKey ? { items, lastKey: LastEvaluatedKey } : { items };
  }

  /** BatchWriteItem may leave items unprocessed under load; they are sent again with backoff. */
  private async writeBatch(batch: Record<string, unknown>[]): Promise<void> {
    let pending = batch;
    for (let round = 0; pending.length > 0; round += 1) {
      if (round === MAX_UNPROCESSED_ROUNDS) throw new Error(`DynamoDB left ${pending.length} result rows unprocessed after ${round} tries`);
      if (round > 0) await sleep(Math.random() * 50 * 2 ** round);
      const { UnprocessedItems } = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
      pending = (UnprocessedItems?.[this.tableName] ?? []) as Record<string, unknown>[];
    }
  }
}

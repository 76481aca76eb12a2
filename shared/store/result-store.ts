import { type DynamoDBDocumentClient, paginateQuery, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { forEachWithConcurrency } from '#shared/util/concurrency.js';
import { BATCH_SIZE, writeBatch } from './batch-write.js';
import { keys, type ResultKind, withoutKeys } from './keys.js';

export interface ResultStoreOptions {
  /** BatchWriteItem calls in flight at once per page written. */
  readonly concurrentBatches?: number;
}

export interface ResultFilter {
  readonly accountGuid?: string;
  /** YYYY-MM-DD, inclusive, on MX's `date`. */
  readonly fromDate?: string;
  readonly toDate?: string;
}

export interface ResultQuery {
  readonly limit?: number;
  readonly startKey?: Record<string, unknown>;
  readonly filter?: ResultFilter;
}

/** Reads a filtered page may take before it answers with fewer items and a cursor. */
const MAX_FILTERED_READS = 20;

function filterExpression(filter: ResultFilter | undefined) {
  const clauses: string[] = [];
  const values: Record<string, string> = {};
  if (filter?.accountGuid) {
    clauses.push('account_guid = :account');
    values[':account'] = filter.accountGuid;
  }
  if (filter?.fromDate) {
    clauses.push('#date >= :from');
    values[':from'] = filter.fromDate;
  }
  if (filter?.toDate) {
    clauses.push('#date <= :to');
    values[':to'] = filter.toDate;
  }
  if (clauses.length === 0) return undefined;
  const usesDate = Boolean(filter?.fromDate || filter?.toDate);
  return { expression: clauses.join(' AND '), values, names: usesDate ? { '#date': 'date' } : undefined };
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
  async putResults(
    memberGuid: string,
    kind: ResultKind,
    jobGuid: string,
    items: readonly { guid?: string | null }[],
    storedAt: Date,
  ): Promise<number> {
    const stored_at = storedAt.toISOString();
    const requests = items.map((item) => {
      if (typeof item.guid !== 'string' || item.guid === '')
        throw new Error(`an MX ${kind} item has no guid; nothing of this page was stored`);
      return {
        PutRequest: { Item: { ...item, ...keys.result(memberGuid, kind, item.guid), job_guid: jobGuid, stored_at } },
      };
    });
    const batches: (typeof requests)[] = [];
    for (let i = 0; i < requests.length; i += BATCH_SIZE) batches.push(requests.slice(i, i + BATCH_SIZE));
    await forEachWithConcurrency(batches, this.concurrentBatches, (batch) =>
      writeBatch(this.doc, this.tableName, batch),
    );
    return requests.length;
  }

  /**
   * One page of a member's results of one kind. With a filter, DynamoDB may find fewer matches
   * than asked per read, so reads continue (a bounded number of times) until the page is full.
   */
  async listResults<T>(memberGuid: string, kind: ResultKind, options: ResultQuery = {}): Promise<ResultPage<T>> {
    const limit = options.limit ?? 100;
    const filter = filterExpression(options.filter);
    const items: T[] = [];
    let startKey = options.startKey;
    for (let round = 0; round < MAX_FILTERED_READS; round += 1) {
      const { Items = [], LastEvaluatedKey } = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.resultsOfMember(memberGuid, kind).pk, ...filter?.values },
          ...(filter ? { FilterExpression: filter.expression, ExpressionAttributeNames: filter.names } : {}),
          Limit: limit - items.length,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...Items.map((item) => withoutKeys<T>(item)));
      startKey = LastEvaluatedKey;
      if (!startKey || items.length >= limit) break;
    }
    return startKey ? { items, lastKey: startKey } : { items };
  }

  /** How many results of one kind are stored for a member (a count-only query: no item is read out). */
  async countResults(memberGuid: string, kind: ResultKind): Promise<number> {
    let count = 0;
    const pages = paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.resultsOfMember(memberGuid, kind).pk },
        Select: 'COUNT',
      },
    );
    for await (const page of pages) count += page.Count ?? 0;
    return count;
  }
}

import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { FieldCipher } from '#shared/crypto/field-cipher.js';
import { SENSITIVE_FIELDS } from '#shared/crypto/sensitive-fields.js';
import { forEachWithConcurrency } from '#shared/util/concurrency.js';
import { BATCH_SIZE, writeBatch } from './batch-write.js';
import { keys, type ResultKind, withoutKeys } from './keys.js';
import { queryAll } from './query-all.js';

export interface ResultStoreOptions {
  /** Partitions of one page written side by side (one batch in flight each); an account's page has one. */
  readonly concurrentBatches?: number;
  /**
   * Transactions under one partition per account (the default) or one per member × generation, the
   * old layout a bench compares against under the per-partition write ceiling.
   */
  readonly spreadByAccount?: boolean;
  /** How long a publish spends deleting superseded generations before it leaves the rest for later. */
  readonly cleanupBudgetMs?: number;
  /** Days account numbers and owners are kept after their copy (their rows' TTL); unset: until deleted. */
  readonly retentionDays?: number | undefined;
  /** Encrypts (writers) or decrypts (readers) the sensitive fields; see ResultFieldCipher. */
  readonly fields?: ResultFieldCipher;
}

/**
 * What a store does with the sensitive fields (SENSITIVE_FIELDS): `seal` encrypts them before a
 * write, `open` decrypts them after a read. A store without `seal` refuses to write a sensitive
 * value; one without `open` hands stored values out encrypted (FetchResults, which may only
 * encrypt, copies a closed account's stored row as it is).
 */
export interface ResultFieldCipher {
  readonly seal?: FieldCipher['seal'];
  readonly open?: FieldCipher['open'];
}

/** A generation of one kind a publish replaced, whose rows are still to be deleted: guids only. */
export interface SupersededGeneration {
  readonly kind: ResultKind;
  /** The job guid the rows were written under. */
  readonly generation: string;
}

export interface ResultFilter {
  readonly accountGuid?: string;
  /** YYYY-MM-DD, inclusive, on MX's `date`. */
  readonly fromDate?: string;
  readonly toDate?: string;
}

export interface ResultQuery {
  readonly limit?: number;
  /** A page's `lastKey`, handed back as it came. */
  readonly startKey?: Record<string, unknown>;
  readonly filter?: ResultFilter;
  /** The member's user: encrypted fields are bound to it; without it they are handed out encrypted. */
  readonly userGuid?: string;
}

/**
 * A publish's time for deleting superseded rows: well inside RecordSuccess's 30 s time-out, so a big
 * superseded generation never makes the step fail; it hands the rest on (deleteSuperseded).
 */
export const CLEANUP_BUDGET_MS = 5_000;

/** The kinds a result retention applies to: point-in-time answers, never synced again. */
const RETAINED_KINDS: readonly ResultKind[] = ['account_numbers', 'account_owners'];

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
  /**
   * Where the next page starts, when there is more: `{ pk, sk }` with pk the member's logical
   * results partition (keys.resultsOfMember) and sk the MX guid, prefixed `<account guid>#` for
   * spread transactions. It names no generation, so it continues in whichever one is published.
   */
  readonly lastKey?: Record<string, unknown>;
}

/** The pointer item of a kind: which job's rows are current, and in which partitions they are. */
interface PublishedGeneration {
  readonly job_guid: string;
  readonly spread_by_account: boolean;
  /** Sorted; for spread transactions only (an account without transactions has no partition). */
  readonly account_guids?: string[];
}

/** A partition a generation wrote to, as its marker beside the member records it. */
interface PartitionMarker {
  readonly pk: string;
  readonly sk: string;
  readonly generation: string;
  readonly partition: string;
  readonly account_guid?: string;
}

interface Part {
  readonly pk: string;
  readonly accountGuid?: string;
}

/**
 * A member's results (accounts, account numbers, owners, transactions) as MX returned them.
 *
 * Generation = the job: every row is written under the copying job's guid and keyed by MX guid
 * (writing a page twice leaves the same rows). Nothing is read until publishResults points the
 * member's kind at the job, so a job still copying, or failed, leaves the published rows as they
 * were, and a row MX no longer returns goes with the generation it was in.
 *
 * Cleanup: a publish deletes every other generation of the kind (batched deletes, within a time
 * budget) and answers what it left; the workflow deletes that in further bounded steps
 * (deleteSuperseded). Not a TTL: DynamoDB deletes expired items up to days late and DynamoDB
 * Local not at all, so superseded account numbers and owner data would outlive the publish by
 * an unknown time.
 */
export class ResultStore {
  private readonly concurrentBatches: number;
  /** The last write queued on each partition key (see inTurn). */
  private readonly partitionQueues = new Map<string, Promise<void>>();
  private readonly spreadByAccount: boolean;
  private readonly cleanupBudgetMs: number;
  private readonly retentionDays: number | undefined;
  private readonly fields: ResultFieldCipher;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: ResultStoreOptions = {},
  ) {
    this.concurrentBatches = options.concurrentBatches ?? 4;
    this.spreadByAccount = options.spreadByAccount ?? true;
    this.cleanupBudgetMs = options.cleanupBudgetMs ?? CLEANUP_BUDGET_MS;
    this.retentionDays = options.retentionDays;
    this.fields = options.fields ?? {};
  }

  /**
   * Stores one page of results in the job's generation; answers how many rows it wrote. The
   * sensitive fields are encrypted first, bound to `userGuid` and the member (required for the
   * kinds that have them).
   */
  async putResults(
    memberGuid: string,
    kind: ResultKind,
    jobGuid: string,
    items: readonly { guid?: string | null; account_guid?: unknown }[],
    storedAt: Date,
    userGuid?: string,
  ): Promise<number> {
    const stored_at = storedAt.toISOString();
    // Verification and identification answers are kept only as long as the deploy setting says.
    const expires =
      this.retentionDays && RETAINED_KINDS.includes(kind)
        ? { expires_at: Math.floor(storedAt.getTime() / 1000) + this.retentionDays * 86_400 }
        : {};
    const spread = kind === 'transactions' && this.spreadByAccount;
    const byPartition = new Map<string, { accountGuid?: string; rows: Record<string, unknown>[] }>();
    for (const item of items) {
      if (typeof item.guid !== 'string' || item.guid === '')
        throw new Error(`an MX ${kind} item has no guid; nothing of this page was stored`);
      if (spread && (typeof item.account_guid !== 'string' || item.account_guid === ''))
        throw new Error('an MX transaction has no account_guid; nothing of this page was stored');
      const accountGuid = spread ? (item.account_guid as string) : undefined;
      const { pk } = keys.resultRows(memberGuid, kind, jobGuid, accountGuid);
      const part = byPartition.get(pk) ?? { ...(accountGuid ? { accountGuid } : {}), rows: [] };
      // One row after another: the first value of a field fetches its data key, the others reuse it.
      const row = await this.sealed(kind, item, { memberGuid, userGuid });
      part.rows.push({ ...row, pk, sk: item.guid, job_guid: jobGuid, stored_at, ...expires });
      byPartition.set(pk, part);
    }
    // The marker goes first: a row is never written to a partition a deletion could not find.
    for (const [partition, { accountGuid }] of byPartition) {
      const marker = keys.resultPartitionMarker(memberGuid, kind, jobGuid, accountGuid);
      const item = { ...marker, generation: jobGuid, partition, ...(accountGuid ? { account_guid: accountGuid } : {}) };
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
    }
    await forEachWithConcurrency([...byPartition], this.concurrentBatches, async ([partition, { rows }]) => {
      for (let i = 0; i < rows.length; i += BATCH_SIZE) {
        const batch = rows.slice(i, i + BATCH_SIZE).map((Item) => ({ PutRequest: { Item } }));
        await this.inTurn(partition, () => writeBatch(this.doc, this.tableName, batch));
      }
    });
    return items.length;
  }

  /**
   * Runs `write` once every earlier write of this store to `partition` has ended: one batch in
   * flight per partition key. A key takes 1,000 write units a second whatever the table's
   * capacity; writers side by side on one key only throttle each other, and the unluckiest runs
   * out of tries, where writers in a queue each get their turn.
   */
  private async inTurn(partition: string, write: () => Promise<void>): Promise<void> {
    const before = this.partitionQueues.get(partition) ?? Promise.resolve();
    const turn = before.then(write);
    const settled = turn.catch(() => undefined);
    this.partitionQueues.set(partition, settled);
    try {
      await turn;
    } finally {
      if (this.partitionQueues.get(partition) === settled) this.partitionQueues.delete(partition);
    }
  }

  /**
   * Makes the job's generation of each kind the one reads see, all kinds at once (one transaction),
   * then deletes the superseded generations of those kinds within the cleanup budget. Answers the
   * superseded generations it had no time for. Publishing again is harmless.
   */
  async publishResults(
    memberGuid: string,
    jobGuid: string,
    kinds: readonly ResultKind[],
  ): Promise<SupersededGeneration[]> {
    if (kinds.length === 0) return [];
    const publishedAt = new Date().toISOString();
    const markersByKind = new Map<ResultKind, PartitionMarker[]>();
    const puts = [];
    for (const kind of kinds) {
      const markers = await this.markers(memberGuid, kind);
      markersByKind.set(kind, markers);
      const own = markers.filter((marker) => marker.generation === jobGuid);
      const spread = own.some((marker) => marker.account_guid !== undefined);
      const generation: PublishedGeneration = {
        job_guid: jobGuid,
        spread_by_account: spread,
        ...(spread ? { account_guids: own.map((marker) => marker.account_guid as string).sort() } : {}),
      };
      const item = { ...keys.publishedResults(memberGuid, kind), ...generation, published_at: publishedAt };
      puts.push({ Put: { TableName: this.tableName, Item: item } });
    }
    await this.doc.send(new TransactWriteCommand({ TransactItems: puts }));
    // The markers read above, while the job still holds the member: no later job's generation is
    // among them, and none can have begun since (one read a kind, not three).
    const superseded: SupersededGeneration[] = [];
    for (const [kind, markers] of markersByKind) {
      const generations = new Set(markers.map((marker) => marker.generation));
      generations.delete(jobGuid);
      for (const generation of [...generations].sort()) superseded.push({ kind, generation });
    }
    return this.deleteSuperseded(memberGuid, superseded, Date.now() + this.cleanupBudgetMs, markersByKind);
  }

  /**
   * Deletes the rows of these superseded generations, one after another, until `deadline` (checked
   * between pages of 1 MB); answers those not yet gone. Only the generations named are touched.
   * `known` holds markers the caller has just read, by kind; the others are read here.
   */
  async deleteSuperseded(
    memberGuid: string,
    superseded: readonly SupersededGeneration[],
    deadline: number,
    known: ReadonlyMap<ResultKind, readonly PartitionMarker[]> = new Map(),
  ): Promise<SupersededGeneration[]> {
    for (const [index, { kind, generation }] of superseded.entries()) {
      const markers = (known.get(kind) ?? (await this.markers(memberGuid, kind))).filter(
        (marker) => marker.generation === generation,
      );
      if (!(await deletePartitions(this.doc, this.tableName, markers, deadline))) return superseded.slice(index);
    }
    return [];
  }

  /**
   * One page of a member's published results of one kind. With a filter, DynamoDB may find fewer
   * matches than asked per read, so reads continue (a bounded number of times) until the page is full.
   * Spread transactions come account after account (by account guid), each by MX guid.
   */
  async listResults<T>(memberGuid: string, kind: ResultKind, options: ResultQuery = {}): Promise<ResultPage<T>> {
    const published = await this.published(memberGuid, kind);
    if (!published) return { items: [] };
    const limit = options.limit ?? 100;
    const filter = filterExpression(options.filter);
    const parts = partsOf(memberGuid, kind, published, options.filter?.accountGuid);
    const start = startOf(parts, published, options.startKey);
    let index = start.index;
    let startKey: Record<string, unknown> | undefined = start.startKey;
    const items: T[] = [];
    for (let round = 0; round < MAX_FILTERED_READS && index < parts.length; round += 1) {
      const part = parts[index] as Part;
      const { Items = [], LastEvaluatedKey } = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': part.pk, ...filter?.values },
          ...(filter ? { FilterExpression: filter.expression, ExpressionAttributeNames: filter.names } : {}),
          Limit: limit - items.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of Items) items.push(await this.opened(kind, withoutKeys(item), memberGuid, options.userGuid));
      startKey = LastEvaluatedKey;
      if (!startKey) index += 1;
      if (items.length >= limit) break;
    }
    if (index >= parts.length) return { items };
    const part = parts[index] as Part;
    const guid = typeof startKey?.sk === 'string' ? startKey.sk : '';
    const sk = part.accountGuid === undefined ? guid : `${part.accountGuid}#${guid}`;
    // A part not yet begun, outside the spread layout, has no position but its start: no cursor then.
    if (sk === '') return { items };
    return { items, lastKey: { pk: keys.resultsOfMember(memberGuid, kind).pk, sk } };
  }

  /** How many published results of one kind a member has (count-only queries: no item is read out). */
  async countResults(memberGuid: string, kind: ResultKind): Promise<number> {
    const published = await this.published(memberGuid, kind);
    if (!published) return 0;
    let count = 0;
    for (const part of partsOf(memberGuid, kind, published)) {
      const pages = paginateQuery(
        { client: this.doc },
        {
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': part.pk },
          Select: 'COUNT',
        },
      );
      for await (const page of pages) count += page.Count ?? 0;
    }
    return count;
  }

  private async sealed<T extends Record<string, unknown>>(
    kind: ResultKind,
    item: T,
    owner: { memberGuid: string; userGuid: string | undefined },
  ): Promise<T> {
    const present = SENSITIVE_FIELDS[kind].filter((field) => item[field] !== null && item[field] !== undefined);
    if (present.length === 0) return item;
    if (!this.fields.seal)
      throw new Error(`${kind}.${present[0]} is stored encrypted only, and this store cannot encrypt`);
    if (owner.userGuid === undefined) throw new Error(`${kind} are encrypted for their user: the user guid is missing`);
    return this.fields.seal({ memberGuid: owner.memberGuid, userGuid: owner.userGuid }, kind, item);
  }

  /** Decrypted with the member's user, when the store may decrypt and the reader names the user; else as stored. */
  private async opened<T>(kind: ResultKind, item: Record<string, unknown>, memberGuid: string, userGuid?: string) {
    if (!this.fields.open || userGuid === undefined || SENSITIVE_FIELDS[kind].length === 0) return item as T;
    return (await this.fields.open({ memberGuid, userGuid }, kind, item)) as T;
  }

  /** The job whose generation of a kind reads see, if any (a sync writes its changes into it). */
  async publishedGeneration(memberGuid: string, kind: ResultKind): Promise<string | undefined> {
    return (await this.published(memberGuid, kind))?.job_guid;
  }

  /** Strongly consistent: a job's success is seen by the very next read. */
  private async published(memberGuid: string, kind: ResultKind): Promise<PublishedGeneration | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.publishedResults(memberGuid, kind), ConsistentRead: true }),
    );
    return Item as PublishedGeneration | undefined;
  }

  private async markers(memberGuid: string, kind: ResultKind): Promise<PartitionMarker[]> {
    return (await queryAll(
      this.doc,
      this.tableName,
      keys.resultPartitionMarkers(memberGuid, kind),
    )) as unknown as PartitionMarker[];
  }
}

function partsOf(memberGuid: string, kind: ResultKind, published: PublishedGeneration, accountGuid?: string): Part[] {
  if (!published.spread_by_account) return [keys.resultRows(memberGuid, kind, published.job_guid)];
  const accounts = published.account_guids ?? [];
  return (accountGuid === undefined ? accounts : accounts.filter((account) => account === accountGuid)).map(
    (account) => ({ ...keys.resultRows(memberGuid, kind, published.job_guid, account), accountGuid: account }),
  );
}

/**
 * Where a page starts: the part (account) and DynamoDB key a cursor names. An account the published
 * generation no longer has continues at the next account in order; a malformed position reads from
 * that account's start rather than failing (the API has checked the cursor is this list's).
 */
function startOf(parts: readonly Part[], published: PublishedGeneration, position?: Record<string, unknown>) {
  const sk = typeof position?.sk === 'string' ? position.sk : '';
  if (sk === '') return { index: 0, startKey: undefined };
  const first = parts[0];
  if (!published.spread_by_account) return { index: 0, startKey: first ? { pk: first.pk, sk } : undefined };
  const split = sk.indexOf('#');
  const account = split < 0 ? sk : sk.slice(0, split);
  const guid = split < 0 ? '' : sk.slice(split + 1);
  let index = parts.findIndex((part) => (part.accountGuid as string) >= account);
  if (index < 0) index = parts.length;
  const part = parts[index];
  const resumes = part !== undefined && part.accountGuid === account && guid !== '';
  return { index, startKey: resumes ? { pk: part.pk, sk: guid } : undefined };
}

/**
 * Deletes the rows of each marked partition, then its marker, until the deadline; answers whether
 * all are gone (a marker left behind keeps its partition findable for the next cleanup).
 */
async function deletePartitions(
  doc: DynamoDBDocumentClient,
  tableName: string,
  markers: readonly PartitionMarker[],
  deadline: number,
): Promise<boolean> {
  for (const marker of markers) {
    if (Date.now() > deadline) return false;
    if (!(await deletePartition(doc, tableName, marker.partition, deadline))) return false;
    await writeBatch(doc, tableName, [{ DeleteRequest: { Key: { pk: marker.pk, sk: marker.sk } } }]);
  }
  return true;
}

/** Deletes every row of one partition (consistent reads: a row written a moment ago goes too). */
async function deletePartition(
  doc: DynamoDBDocumentClient,
  tableName: string,
  pk: string,
  deadline = Number.POSITIVE_INFINITY,
): Promise<boolean> {
  const pages = paginateQuery(
    { client: doc },
    {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ProjectionExpression: 'pk, sk',
      ConsistentRead: true,
    },
  );
  for await (const page of pages) {
    const items = page.Items ?? [];
    for (let i = 0; i < items.length; i += BATCH_SIZE)
      await writeBatch(
        doc,
        tableName,
        items.slice(i, i + BATCH_SIZE).map((key) => ({ DeleteRequest: { Key: key } })),
      );
    if (Date.now() > deadline) return false;
  }
  return true;
}

import { TABLE_DEFINITION, type TableKey } from './table-definition.js';

/** What a member's stored results are; each kind is published (made visible) on its own. */
export const RESULT_KINDS = {
  accounts: 'ACCOUNT',
  account_numbers: 'ACCOUNT_NUMBER',
  account_owners: 'ACCOUNT_OWNER',
  transactions: 'TRANSACTION',
} as const;
export type ResultKind = keyof typeof RESULT_KINDS;

/**
 * Every key of the single table. A member's jobs and its lock share one partition; each kind
 * of result has a partition of its own, so one query pages through one member's results of
 * one kind, keyed by MX guid so a rewrite replaces instead of duplicating.
 */
export const keys = {
  user: (userGuid: string): TableKey => ({ pk: `USER#${userGuid}`, sk: 'USER' }),
  /** The caller's own user id, unique: points at the user's guid. */
  userId: (id: string): TableKey => ({ pk: `USERID#${id}`, sk: 'USERID' }),
  membersOfUser: (userGuid: string) => ({ pk: `USER#${userGuid}`, skPrefix: 'MEMBER#' }),
  member: (userGuid: string, memberGuid: string): TableKey => ({ pk: `USER#${userGuid}`, sk: `MEMBER#${memberGuid}` }),
  memberLock: (memberGuid: string): TableKey => ({ pk: `MEMBER#${memberGuid}`, sk: 'LOCK' }),
  job: (memberGuid: string, jobGuid: string): TableKey => ({ pk: `MEMBER#${memberGuid}`, sk: `JOB#${jobGuid}` }),
  jobsOfMember: (memberGuid: string) => ({ pk: `MEMBER#${memberGuid}`, skPrefix: 'JOB#' }),
  /** One chunk of a round of a job's challenges, beside the job (not under JOB#: lists skip it). */
  challengeChunk: (memberGuid: string, jobGuid: string, round: string, chunk: number): TableKey => ({
    pk: `MEMBER#${memberGuid}`,
    sk: `CHALLENGE#${jobGuid}#${round}#${String(chunk).padStart(4, '0')}`,
  }),
  challengeChunksOfJob: (memberGuid: string, jobGuid: string, round = '') => ({
    pk: `MEMBER#${memberGuid}`,
    skPrefix: `CHALLENGE#${jobGuid}#${round ? `${round}#` : ''}`,
  }),
  /**
   * The rows of one kind copied by one job (its generation): one partition per member × generation ×
   * kind, and for spread transactions one per account too, so copying accounts side by side is not
   * capped by one partition's write ceiling.
   */
  resultRows: (memberGuid: string, kind: ResultKind, generation: string, accountGuid?: string) => ({
    pk: `${resultPartition(memberGuid, kind)}#${generation}${accountGuid === undefined ? '' : `#${accountGuid}`}`,
  }),
  /**
   * A member's results of one kind as the API pages them, whatever the generation: the partition
   * its cursors name (a cursor outlives a publish and continues in the new generation).
   */
  resultsOfMember: (memberGuid: string, kind: ResultKind) => ({ pk: resultPartition(memberGuid, kind) }),
  /** Which job's generation of a kind the member's reads see: written by RecordSuccess's publish. */
  publishedResults: (memberGuid: string, kind: ResultKind): TableKey => ({
    pk: `MEMBER#${memberGuid}`,
    sk: `PUBLISHED#${RESULT_KINDS[kind]}`,
  }),
  /**
   * A partition a generation wrote rows to, beside the member (written before the rows): how a
   * publish finds what to clean up and a member deletion finds every row, published or not.
   */
  resultPartitionMarker: (
    memberGuid: string,
    kind: ResultKind,
    generation: string,
    accountGuid?: string,
  ): TableKey => ({
    pk: `MEMBER#${memberGuid}`,
    sk: `GENERATION#${RESULT_KINDS[kind]}#${generation}${accountGuid === undefined ? '' : `#${accountGuid}`}`,
  }),
  resultPartitionMarkers: (memberGuid: string, kind?: ResultKind) => ({
    pk: `MEMBER#${memberGuid}`,
    skPrefix: `GENERATION#${kind ? `${RESULT_KINDS[kind]}#` : ''}`,
  }),
  /** How far a member's transactions are synced from MX, and the number of its last committed sync. */
  transactionSync: (memberGuid: string): TableKey => ({ pk: `MEMBER#${memberGuid}`, sk: 'SYNC#TRANSACTION' }),
  /** A transaction stored PENDING: the next sync checks it at MX (posted, or replaced and gone). */
  pendingTransaction: (memberGuid: string, accountGuid: string, guid: string): TableKey => ({
    pk: `MEMBER#${memberGuid}`,
    sk: `PENDING#${accountGuid}#${guid}`,
  }),
  pendingTransactions: (memberGuid: string) => ({ pk: `MEMBER#${memberGuid}`, skPrefix: 'PENDING#' }),
  /** What one sync changed, row by row (upserts and removals), for the API's change feed. */
  transactionChanges: (memberGuid: string, jobGuid: string) => ({ pk: `CHANGES#${memberGuid}#${jobGuid}` }),
  /** The member's committed syncs in order: the change feed's entries, by commit number. */
  changeFeedEntry: (memberGuid: string, seq: number): TableKey => ({
    pk: `MEMBER#${memberGuid}`,
    sk: `${CHANGE_FEED_PREFIX}${String(seq).padStart(10, '0')}`,
  }),
  changeFeed: (memberGuid: string) => ({ pk: `MEMBER#${memberGuid}`, skPrefix: CHANGE_FEED_PREFIX }),
  /** The refresh index's keys of a member next due at `due`. */
  refreshDue: (memberGuid: string, due: string) => ({
    refresh_shard: refreshShard(shardOf(memberGuid, TABLE_DEFINITION.refreshIndex.shards)),
    refresh_due: due,
  }),
  /** Every partition of the refresh index. */
  refreshShards: (): string[] =>
    Array.from({ length: TABLE_DEFINITION.refreshIndex.shards }, (_, shard) => refreshShard(shard)),
  /** The active-jobs index's keys of a job that is running since `since`. */
  activeJob: (jobGuid: string, since: string) => ({ active_shard: activeShard(shardOf(jobGuid)), active_since: since }),
  /** Every partition of the active-jobs index. */
  activeJobShards: (): string[] =>
    Array.from({ length: TABLE_DEFINITION.activeJobsIndex.activeShards }, (_, shard) => activeShard(shard)),
  /** An Idempotency-Key, by the SHA-256 of the key with its route and parameters. */
  idempotencyKey: (keyHash: string): TableKey => ({ pk: `IDEMPOTENCY#${keyHash}`, sk: 'IDEMPOTENCY' }),
  /** An Idempotency-Key's kept answer about a user, named under the user for its deletion. */
  userIdempotencyKey: (userGuid: string, keyHash: string): TableKey => ({
    pk: `USER#${userGuid}`,
    sk: `IDEMPOTENCY#${keyHash}`,
  }),
  idempotencyKeysOfUser: (userGuid: string) => ({ pk: `USER#${userGuid}`, skPrefix: 'IDEMPOTENCY#' }),
  /** A user's or a member's deletion: guids and counts, kept a while after it ends. */
  deletion: (deletionGuid: string): TableKey => ({
    pk: `${PARTITION_PREFIXES.deletion}${deletionGuid}`,
    sk: 'DELETION',
  }),
  /** One MX webhook delivery in the inbox, by the SHA-256 of its body: a repeat lands on the same item. */
  webhookDelivery: (bodyHash: string): TableKey => ({ pk: `${WEBHOOK_PREFIX}${bodyHash}`, sk: 'WEBHOOK' }),
  /**
   * The Step Functions task token of a job parked on its challenges. Tokens live under a partition
   * prefix of their own so IAM (dynamodb:LeadingKeys) keeps every function but those that park and
   * answer away from them; never an attribute of the job item, which most functions read.
   */
  challengeToken: (memberGuid: string, jobGuid: string): TableKey => ({
    pk: `${PARTITION_PREFIXES.taskToken}${memberGuid}`,
    sk: `CHALLENGE#${jobGuid}`,
  }),
  /** The task token of a job's wait for its member's next webhook (AwaitMemberWebhook); one a member. */
  webhookWaitToken: (memberGuid: string): TableKey => ({
    pk: `${PARTITION_PREFIXES.taskToken}${memberGuid}`,
    sk: 'WEBHOOK_WAIT',
  }),
};

/**
 * What every partition key of the table starts with (the indexes' partition keys too): the IAM
 * policies' dynamodb:LeadingKeys conditions and the local stack's access check are written in these.
 */
export const PARTITION_PREFIXES = {
  user: 'USER#',
  userId: 'USERID#',
  member: 'MEMBER#',
  results: 'RESULTS#',
  changes: 'CHANGES#',
  idempotency: 'IDEMPOTENCY#',
  webhook: 'WEBHOOK#',
  taskToken: 'TASKTOKEN#',
  deletion: 'DELETION#',
  activeJobs: 'ACTIVE#',
  refreshDue: 'REFRESH#',
} as const;
export type PartitionPrefix = keyof typeof PARTITION_PREFIXES;

const CHANGE_FEED_PREFIX = 'CHANGEFEED#';

/** What every inbox item's partition key starts with: the table stream's filter selects on it. */
export const WEBHOOK_PREFIX = 'WEBHOOK#';

const activeShard = (shard: number) => `ACTIVE#${shard}`;
const refreshShard = (shard: number) => `REFRESH#${shard}`;

/** A stable shard of a guid (a polynomial hash of its characters): spread, not secret. */
function shardOf(guid: string, shards: number = TABLE_DEFINITION.activeJobsIndex.activeShards): number {
  let sum = 0;
  for (const char of guid) sum = (sum * 31 + char.charCodeAt(0)) % 1_000_003;
  return sum % shards;
}

function resultPartition(memberGuid: string, kind: ResultKind): string {
  return `RESULTS#${memberGuid}#${RESULT_KINDS[kind]}`;
}

/** An item as the store hands it out: the table's keys are the store's business, not the caller's. */
export function withoutKeys<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as T;
}

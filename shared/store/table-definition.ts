/**
 * The one definition of mxflow's DynamoDB table: the CDK data construct and the local
 * runtime both create the table from it, so the two can never disagree on keys.
 */
export const TABLE_DEFINITION = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds after which DynamoDB may delete the item (stale member locks). */
  timeToLiveAttribute: 'expires_at',
  /**
   * The table's stream, read by the webhook processor (filtered to the inbox items) and the event
   * publisher (job and member items, whose old and new images say what changed).
   */
  streamView: 'NEW_AND_OLD_IMAGES',
  /** Retries of a failed stream record, after its first attempt, before it is dead-lettered. */
  streamRetries: 5,
  /**
   * A sparse index of the jobs still RUNNING or CHALLENGED: only those carry its keys (set at the
   * start, removed at the finish), so the reconciler finds them without a Scan. Spread over
   * `activeShards` partitions by job guid so a burst of starts does not sit on one partition.
   * Projects only the job's references, which never change: a job's progress updates then cost
   * no index write, only its start and its end do. As any GSI it is eventually consistent.
   */
  activeJobsIndex: {
    indexName: 'active-jobs',
    partitionKey: 'active_shard',
    sortKey: 'active_since',
    activeShards: 10,
    projectedAttributes: ['job_guid', 'member_guid'],
  },
  /**
   * A sparse index of the members whose transactions are synced, by when they are next due for a
   * scheduled refresh: only their sync state items carry its keys. Spread over `shards`
   * partitions by member guid, as the active-jobs index is by job guid.
   */
  refreshIndex: {
    indexName: 'refresh-due',
    partitionKey: 'refresh_shard',
    sortKey: 'refresh_due',
    shards: 10,
    projectedAttributes: ['member_guid', 'user_guid', 'is_oauth', 'refresh_attempts'],
  },
} as const;

/** Every secondary index of the table: the CDK construct and the local table create each from here. */
export const TABLE_INDEXES = [TABLE_DEFINITION.activeJobsIndex, TABLE_DEFINITION.refreshIndex] as const;

export type TableKey = { readonly pk: string; readonly sk: string };

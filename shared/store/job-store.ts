import { type AttributeValue, type ReturnValue, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ChallengeResponse } from 'mx-platform-node';
import { ENV, type JobStatus, type JobType, type TerminalJobStatus } from '#shared/contract/workflow.js';
import { FAILURE_REASONS, type FailureReason } from '#shared/jobs/failure-reasons.js';
import { BATCH_SIZE, writeBatch } from './batch-write.js';
import { type ChallengesRef, challengeChunkItems, challengesFromChunks } from './challenge-items.js';
import { applied, conditionally } from './conditional-write.js';
import {
  DynamoDbThrottled,
  isTransientCancellation,
  type RetryPace,
  sendTransaction,
  TRANSACTION_RETRY_PACE,
} from './dynamodb-retries.js';
import {
  isLiveLock,
  type JobCounts,
  type JobRecord,
  type JobWarning,
  jobStartOf,
  lockSecond,
  type MemberLock,
  newJobRecord,
} from './job-record.js';
import { keys, withoutKeys } from './keys.js';
import { queryAll } from './query-all.js';
import { TABLE_DEFINITION } from './table-definition.js';

/** Thrown when a member already has a running job; carries which one. */
/** What the active-jobs index holds of a job: the references that find it (read the job itself). */
export type ActiveJobRef = Pick<JobRecord, 'job_guid' | 'member_guid'>;

const activeJobRefOf = (item: Record<string, unknown>): ActiveJobRef => ({
  job_guid: String(item.job_guid),
  member_guid: String(item.member_guid),
});

export class MemberBusyError extends Error {
  override readonly name = 'MemberBusyError';
  constructor(readonly running: MemberLock) {
    super(`member already runs ${running.job_type} job ${running.job_guid}`);
  }
}

/** A retention setting from the environment: whole days, unset (or empty) for none. */
export function retentionDaysOf(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1) throw new Error(`a retention must be a whole number of days, not ${value}`);
  return days;
}

/** The member is being deleted (its item carries the deletion's guid): no job starts on it. */
export class MemberBeingDeletedError extends Error {
  override readonly name = 'MemberBeingDeletedError';
  constructor(readonly deletionGuid: string) {
    super(`the member is being deleted (deletion ${deletionGuid})`);
  }
}

export interface NewJob {
  readonly jobGuid: string;
  readonly type: JobType;
  readonly userGuid: string;
  readonly memberGuid: string;
  readonly now: Date;
  /** How long the lock holds if the job never releases it (a crash): past the machine timeout. */
  readonly lockSeconds: number;
}

export interface JobFinish {
  readonly status: TerminalJobStatus;
  readonly reason?: FailureReason;
  readonly connectionStatus?: string | null;
  readonly counts?: JobCounts;
  readonly warnings?: readonly JobWarning[];
  readonly now: Date;
}

const ACTIVE = { ':running': 'RUNNING', ':challenged': 'CHALLENGED', ':action': 'ACTION_REQUIRED' } as const;
const IS_ACTIVE = '#status IN (:running, :challenged, :action)';
const NAMES = { '#status': 'status', '#history': 'history' } as const;

const { indexName: ACTIVE_INDEX, partitionKey: ACTIVE_SHARD, sortKey: ACTIVE_SINCE } = TABLE_DEFINITION.activeJobsIndex;
/** Removed when a job ends, which takes it out of the sparse index. */
const ACTIVE_INDEX_KEYS = `${ACTIVE_SHARD}, ${ACTIVE_SINCE}`;

/** How long a token's item outlives the end of its wait before DynamoDB's TTL may delete it. */
const TOKEN_KEPT_SECONDS = 24 * 60 * 60;

/**
 * Job records and member locks in DynamoDB. Every change is conditional on the job still
 * being active, so a late or repeated workflow step can never reopen a finished job.
 */
export class JobStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly transactionPace: RetryPace = TRANSACTION_RETRY_PACE,
    /** Days an ended job's record is kept (its TTL); every function shares the deploy setting. */
    private readonly retentionDays: number | undefined = retentionDaysOf(process.env[ENV.jobRetentionDays]),
  ) {}

  /** Creates the job and takes the member's lock in one transaction, or throws MemberBusyError. */
  async createJob(job: NewJob): Promise<JobRecord> {
    const record = newJobRecord(job, job.now.toISOString());
    const lock: MemberLock = {
      job_guid: job.jobGuid,
      job_type: job.type,
      expires_at: lockSecond(job.now) + job.lockSeconds,
    };
    try {
      // Sent again while DynamoDB cancels it as a conflict: the other start then either holds the
      // lock (ConditionalCheckFailed below) or failed, and this one may take it.
      await sendTransaction(
        this.doc,
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.memberLock(job.memberGuid), ...lock },
                // An expired lock belongs to a job that died without releasing it.
                ConditionExpression: 'attribute_not_exists(pk) OR expires_at < :now',
                ExpressionAttributeValues: { ':now': lockSecond(job.now) },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...keys.job(job.memberGuid, job.jobGuid),
                  ...keys.activeJob(job.jobGuid, record.created_at),
                  ...record,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              // A member being deleted takes no new job (a member mxflow does not hold passes).
              ConditionCheck: {
                TableName: this.tableName,
                Key: keys.member(job.userGuid, job.memberGuid),
                ConditionExpression: 'attribute_not_exists(deletion_guid)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          ],
        }),
        this.transactionPace,
      );
    } catch (error) {
      const reasons = error instanceof TransactionCanceledException ? error.CancellationReasons : undefined;
      const deletion = reasons?.[2]?.Code === 'ConditionalCheckFailed' ? reasons[2].Item?.deletion_guid?.S : undefined;
      if (deletion) throw new MemberBeingDeletedError(deletion);
      const held = reasons?.[0];
      if (held?.Code === 'ConditionalCheckFailed') {
        // The lock as it is now, else the one the condition saw (its job ended and freed it meanwhile).
        const running = (await this.getLock(job.memberGuid)) ?? (held.Item ? lockOf(held.Item) : undefined);
        if (running) throw new MemberBusyError(running);
      }
      if (isTransientCancellation(error)) {
        // Still conflicting after the retries: another start holds the member, or DynamoDB is overloaded.
        const running = await this.getLock(job.memberGuid);
        if (running) throw new MemberBusyError(running);
        throw new DynamoDbThrottled(
          `the job start conflicted with other writes ${this.transactionPace.attempts} times`,
        );
      }
      throw error;
    }
    return record;
  }

  async getJob(memberGuid: string, jobGuid: string): Promise<JobRecord | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.job(memberGuid, jobGuid), ConsistentRead: true }),
    );
    return Item ? this.withChallenges(Item) : undefined;
  }

  async getLock(memberGuid: string): Promise<MemberLock | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.memberLock(memberGuid), ConsistentRead: true }),
    );
    return Item ? withoutKeys<MemberLock>(Item) : undefined;
  }

  /** The member's lock if it still holds the member at `now` (see isLiveLock). */
  async liveLock(memberGuid: string, now: Date): Promise<MemberLock | undefined> {
    const lock = await this.getLock(memberGuid);
    return isLiveLock(lock, now) ? lock : undefined;
  }

  /**
   * A member's jobs, newest first (job guids sort by time), a page at a time. Eventually
   * consistent on purpose: a list page (or a member's latest status) a moment stale is harmless,
   * and the job a caller just started is read by getJob, which is strongly consistent.
   */
  async listJobs(
    memberGuid: string,
    options: { limit?: number; startKey?: Record<string, unknown> } = {},
  ): Promise<{ items: JobRecord[]; lastKey?: Record<string, unknown> }> {
    const { pk, skPrefix } = keys.jobsOfMember(memberGuid);
    const { Items = [], LastEvaluatedKey } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
        ScanIndexForward: false,
        Limit: options.limit ?? 50,
        ExclusiveStartKey: options.startKey,
      }),
    );
    const items = await Promise.all(Items.map((item) => this.withChallenges(item)));
    return LastEvaluatedKey ? { items, lastKey: LastEvaluatedKey } : { items };
  }

  /**
   * Jobs RUNNING or CHALLENGED (ACTION_REQUIRED too) since before `startedBefore`, oldest first
   * per shard, at most `limit` in all, from the sparse active-jobs index: one query per shard,
   * never a Scan. The index is eventually consistent: a job listed may have ended a moment ago,
   * so callers re-read it (getJob) before acting on it.
   */
  async listActiveJobs(query: { startedBefore: Date; limit: number }): Promise<ActiveJobRef[]> {
    // The limit spread over the shards, oldest first in each: a shard full of long, healthy jobs
    // never hides the others' from a pass.
    const shards = keys.activeJobShards();
    const perShard = Math.max(1, Math.ceil(query.limit / shards.length));
    const pages = await Promise.all(
      shards.map((shard) =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: ACTIVE_INDEX,
            KeyConditionExpression: '#shard = :shard AND #since < :before',
            ExpressionAttributeNames: { '#shard': ACTIVE_SHARD, '#since': ACTIVE_SINCE },
            ExpressionAttributeValues: { ':shard': shard, ':before': query.startedBefore.toISOString() },
            Limit: perShard,
          }),
        ),
      ),
    );
    return pages.flatMap((page) => (page.Items ?? []).map(activeJobRefOf)).slice(0, query.limit);
  }

  /**
   * An active job found by its guid alone (an execution's name): its guid carries its start
   * time, which is its `active_since`, so one index query on its shard finds it. Undefined once
   * the job ended (it left the index) or for a guid not made by `newJobGuid`.
   */
  async findActiveJob(jobGuid: string): Promise<JobRecord | undefined> {
    const started = jobStartOf(jobGuid);
    if (!started) return undefined;
    const { active_shard, active_since } = keys.activeJob(jobGuid, started.toISOString());
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: ACTIVE_INDEX,
        KeyConditionExpression: '#shard = :shard AND #since = :since',
        FilterExpression: 'job_guid = :guid',
        ExpressionAttributeNames: { '#shard': ACTIVE_SHARD, '#since': ACTIVE_SINCE },
        ExpressionAttributeValues: { ':shard': active_shard, ':since': active_since, ':guid': jobGuid },
      }),
    );
    const ref = Items?.[0] ? activeJobRefOf(Items[0]) : undefined;
    return ref && (await this.getJob(ref.member_guid, ref.job_guid));
  }

  /** `aggregatedBefore`: MX's successfully_aggregated_at before the start, to tell a throttled aggregation at its end. */
  async recordMxJob(
    memberGuid: string,
    jobGuid: string,
    mxJobGuid: string | undefined,
    attached: boolean,
    now: Date,
    aggregatedBefore?: string | null,
  ): Promise<void> {
    const keepsBefore = aggregatedBefore !== undefined;
    await this.updateActive(
      memberGuid,
      jobGuid,
      `SET mx_job_guid = :mx, attached = :attached, updated_at = :now${keepsBefore ? ', mx_aggregated_before = :before' : ''}`,
      {
        ':mx': mxJobGuid ?? null,
        ':attached': attached,
        ':now': now.toISOString(),
        ...(keepsBefore ? { ':before': aggregatedBefore } : {}),
      },
    );
  }

  /**
   * Records what a status read found, appending to the history only when the status or the
   * connection status changed, so polling does not grow the record.
   */
  async recordProgress(
    memberGuid: string,
    jobGuid: string,
    progress: {
      status: Extract<JobStatus, 'RUNNING' | 'ACTION_REQUIRED'>;
      connectionStatus: string | null;
      oauthWindowUri?: string | null;
      now: Date;
    },
  ): Promise<void> {
    const at = progress.now.toISOString();
    const setsUri = progress.oauthWindowUri !== undefined;
    await this.updateActive(
      memberGuid,
      jobGuid,
      `SET #status = :status, connection_status = :cs, updated_at = :now, #history = list_append(#history, :entry)${setsUri ? ', oauth_window_uri = :uri' : ''}`,
      {
        ':status': progress.status,
        ':cs': progress.connectionStatus,
        ':now': at,
        ':entry': [{ at, status: progress.status, connection_status: progress.connectionStatus }],
        ...(setsUri ? { ':uri': progress.oauthWindowUri ?? null } : {}),
      },
      '(#status <> :status OR connection_status <> :cs OR attribute_not_exists(connection_status))',
    );
  }

  /**
   * Hands a job waiting for the end user's OAuth window (ACTION_REQUIRED) the window issued
   * since; false when the job no longer waits.
   */
  async renewOAuthWindow(
    memberGuid: string,
    jobGuid: string,
    renewal: { oauthWindowUri: string; now: Date },
  ): Promise<boolean> {
    const renewed = await this.updateActive(
      memberGuid,
      jobGuid,
      'SET oauth_window_uri = :uri, updated_at = :now ADD oauth_windows_renewed :one',
      { ':uri': renewal.oauthWindowUri, ':now': renewal.now.toISOString(), ':one': 1 },
      '#status = :action',
    );
    return renewed !== undefined;
  }

  /**
   * Keeps the challenges a status read found, for the park that follows; shown only once the
   * job is CHALLENGED. MX's status read carries them, so parking asks MX nothing more.
   */
  async stageChallenges(
    memberGuid: string,
    jobGuid: string,
    stage: { challenges: ChallengeResponse[]; now: Date },
  ): Promise<boolean> {
    const ref = await this.storeChallenges(memberGuid, jobGuid, stage.challenges, stage.now);
    const staged = await this.updateActive(
      memberGuid,
      jobGuid,
      'SET challenges_ref = :ref, updated_at = :now REMOVE challenges',
      { ':ref': ref, ':now': stage.now.toISOString() },
    );
    return staged !== undefined;
  }

  /**
   * Parks the job: the challenges to show (those given, else the ones staged by the status read)
   * and when the wait for them ends on the job, and in the same transaction the task token that
   * resumes the execution in an item of its own (keys.challengeToken), which only the functions
   * that park and answer may read. False when the job has ended, or has no challenges to show.
   */
  async parkForChallenge(
    memberGuid: string,
    jobGuid: string,
    park: { challenges?: ChallengeResponse[]; taskToken: string; expiresAt?: Date; now: Date },
  ): Promise<boolean> {
    const at = park.now.toISOString();
    const given = park.challenges !== undefined;
    const expires = park.expiresAt ? ', challenge_expires_at = :expires' : '';
    const ref = given ? await this.storeChallenges(memberGuid, jobGuid, park.challenges ?? [], park.now) : undefined;
    return this.updateActiveWith(
      memberGuid,
      jobGuid,
      `SET #status = :challenged, ${given ? 'challenges_ref = :ref, ' : ''}connection_status = :cs${expires}, updated_at = :now, #history = list_append(#history, :entry)${given ? ' REMOVE challenges' : ''}`,
      {
        ...(ref ? { ':ref': ref } : {}),
        ...(park.expiresAt ? { ':expires': park.expiresAt.toISOString() } : {}),
        ':cs': 'CHALLENGED',
        ':now': at,
        ':entry': [{ at, status: 'CHALLENGED', connection_status: 'CHALLENGED' }],
      },
      given ? undefined : '(attribute_exists(challenges_ref) OR attribute_exists(challenges))',
      { Put: { TableName: this.tableName, Item: this.tokenItem(memberGuid, jobGuid, park.taskToken, park) } },
    );
  }

  /**
   * Takes the task token of a parked job for one answer. Only one caller can win it (the token's
   * item is deleted on the condition that it still holds the token read, with the job's update),
   * which is what makes an answer posted twice resume once, and none once the wait has expired
   * (the execution no longer listens). `challenge_expires_at` stays on the job: it says how long
   * the round waited if the job later ends CHALLENGE_EXPIRED.
   */
  async claimChallenge(claim: {
    memberGuid: string;
    jobGuid: string;
    userGuid: string;
    now: Date;
  }): Promise<{ taskToken: string; parkedAt: string; challenges: ChallengeResponse[] } | undefined> {
    const { memberGuid, jobGuid, userGuid, now } = claim;
    const at = now.toISOString();
    const [{ Item: token }, { Item: job }] = await Promise.all([
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: keys.challengeToken(memberGuid, jobGuid),
          ConsistentRead: true,
        }),
      ),
      this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: keys.job(memberGuid, jobGuid), ConsistentRead: true }),
      ),
    ]);
    if (typeof token?.task_token !== 'string' || !job) return undefined;
    const claimed = await this.transactOrRefused([
      {
        Update: {
          TableName: this.tableName,
          Key: keys.job(memberGuid, jobGuid),
          UpdateExpression:
            'SET #status = :running, connection_status = :resumed, updated_at = :now, #history = list_append(#history, :entry) REMOVE challenges, challenges_ref',
          // Unchanged since read (updated_at): the challenges read with it are the ones answered.
          ConditionExpression:
            '#status = :challenged AND user_guid = :user AND updated_at = :parkedAt' +
            ' AND (attribute_not_exists(challenge_expires_at) OR challenge_expires_at > :now)',
          ExpressionAttributeNames: NAMES,
          ExpressionAttributeValues: {
            ':running': 'RUNNING',
            ':challenged': 'CHALLENGED',
            ':resumed': 'RESUMED',
            ':user': userGuid,
            ':parkedAt': job.updated_at,
            ':now': at,
            ':entry': [{ at, status: 'RUNNING', connection_status: 'RESUMED' }],
          },
        },
      },
      {
        Delete: {
          TableName: this.tableName,
          Key: keys.challengeToken(memberGuid, jobGuid),
          ConditionExpression: 'task_token = :token',
          ExpressionAttributeValues: { ':token': token.task_token },
        },
      },
    ]);
    if (!claimed) return undefined;
    const challenges = await this.challengesOf(memberGuid, jobGuid, job);
    // The answer's own copy now: a refused answer stores the round again (releaseChallenge).
    await this.deleteChallenges(memberGuid, jobGuid);
    return { taskToken: token.task_token, parkedAt: String(job.updated_at), challenges };
  }

  /** Gives a claimed challenge back when MX refused the answer, so the end user can try again. */
  async releaseChallenge(
    memberGuid: string,
    jobGuid: string,
    challenge: { challenges: ChallengeResponse[]; taskToken: string; now: Date },
  ): Promise<void> {
    const ref = await this.storeChallenges(memberGuid, jobGuid, challenge.challenges, challenge.now);
    const job = await this.getJob(memberGuid, jobGuid);
    const expiresAt = job?.challenge_expires_at ? new Date(job.challenge_expires_at) : undefined;
    await this.updateActiveWith(
      memberGuid,
      jobGuid,
      'SET #status = :challenged, connection_status = :challenged, challenges_ref = :ref, updated_at = :now',
      { ':ref': ref, ':now': challenge.now.toISOString() },
      undefined,
      {
        Put: {
          TableName: this.tableName,
          Item: this.tokenItem(memberGuid, jobGuid, challenge.taskToken, { now: challenge.now, expiresAt }),
          // Not parked again meanwhile.
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    );
  }

  /** A challenge's token item: it outlives its wait by a day at most (TTL), as a dead token is of no use. */
  private tokenItem(
    memberGuid: string,
    jobGuid: string,
    taskToken: string,
    wait: { now: Date; expiresAt?: Date | undefined },
  ): Record<string, unknown> {
    const until = (wait.expiresAt ?? wait.now).getTime();
    return {
      ...keys.challengeToken(memberGuid, jobGuid),
      task_token: taskToken,
      job_guid: jobGuid,
      [TABLE_DEFINITION.timeToLiveAttribute]: Math.floor(until / 1000) + TOKEN_KEPT_SECONDS,
    };
  }

  /** Ends the job (once: a finished job is never finished again) and frees the member. */
  async finishJob(memberGuid: string, jobGuid: string, finish: JobFinish): Promise<boolean> {
    const at = finish.now.toISOString();
    const error = finish.reason ? { code: finish.reason, message: FAILURE_REASONS[finish.reason].message } : null;
    const knowsStatus = finish.connectionStatus !== undefined;
    const connectionStatus = knowsStatus ? (finish.connectionStatus ?? null) : null;
    // The member first: once the job reads as ended, a new job can start on it.
    await this.releaseLock(memberGuid, jobGuid);
    const ended = await this.updateActive(
      memberGuid,
      jobGuid,
      `SET #status = :status, #error = :error, counts = :counts, finished_at = :now, updated_at = :now, #history = list_append(#history, :entry)${
        knowsStatus ? ', connection_status = :cs' : ''
      }${finish.warnings?.length ? ', warnings = :warnings' : ''}${this.retentionDays ? ', expires_at = :expires' : ''} REMOVE challenges, challenges_ref, ${ACTIVE_INDEX_KEYS}`,
      {
        ':status': finish.status,
        ':error': error,
        ':counts': finish.counts ?? {},
        ':now': at,
        ':entry': [{ at, status: finish.status, connection_status: connectionStatus }],
        ...(knowsStatus ? { ':cs': connectionStatus } : {}),
        ...(finish.warnings?.length ? { ':warnings': finish.warnings } : {}),
        ...(this.retentionDays
          ? { ':expires': Math.floor(finish.now.getTime() / 1000) + this.retentionDays * 86_400 }
          : {}),
      },
      undefined,
      { '#error': 'error' },
      // Whether it ended parked: only then are a round's chunks still stored, as an answer deletes
      // its round. A repeated end (the state machine's retry after a failed delete, or the end of
      // a cancelled job's stopped execution) sweeps again: the first end removed the pointer.
      // Left to the chunks' TTL: an answer's delete that failed after its claim, and a refused
      // answer's round stored as the job ended. Saves a query on every other job's first end.
      'UPDATED_OLD',
    );
    if (!ended || ended.challenges_ref) await this.deleteChallenges(memberGuid, jobGuid);
    return ended !== undefined;
  }

  /** Stores a round of challenges in chunk items of its own; answers what the job item points at them with. */
  private async storeChallenges(
    memberGuid: string,
    jobGuid: string,
    challenges: readonly ChallengeResponse[],
    now: Date,
  ): Promise<ChallengesRef> {
    const { ref, items } = challengeChunkItems({ memberGuid, jobGuid }, challenges, now);
    // One chunk at a time: each is up to 300 KB, and a batch request may carry 16 MB at most.
    for (const item of items) await writeBatch(this.doc, this.tableName, [{ PutRequest: { Item: item } }]);
    return ref;
  }

  /** A job item with its challenges read back whole, as callers know a job. */
  private async withChallenges(item: Record<string, unknown>): Promise<JobRecord> {
    const job = jobOf(item);
    if (!item.challenges_ref) return job;
    return { ...job, challenges: await this.challengesOf(job.member_guid, job.job_guid, item) };
  }

  /** The challenges an item shows: stored beside it (or inline, as jobs parked before chunking keep them). */
  private async challengesOf(
    memberGuid: string,
    jobGuid: string,
    item: Record<string, unknown>,
  ): Promise<ChallengeResponse[]> {
    if (Array.isArray(item.challenges)) return item.challenges as ChallengeResponse[];
    const ref = item.challenges_ref as ChallengesRef | undefined;
    if (!ref) return [];
    const { pk, skPrefix } = keys.challengeChunksOfJob(memberGuid, jobGuid, ref.round);
    // Written a moment before the job item that points at them: strongly consistent.
    const items = await this.queryAll({ pk, skPrefix });
    return challengesFromChunks(ref, items) ?? [];
  }

  /** Removes every stored round of the job's challenges (the one shown, and any a crash left behind). */
  private async deleteChallenges(memberGuid: string, jobGuid: string): Promise<void> {
    const { pk, skPrefix } = keys.challengeChunksOfJob(memberGuid, jobGuid);
    const chunkKeys = await this.queryAll({ pk, skPrefix }, 'pk, sk');
    for (let i = 0; i < chunkKeys.length; i += BATCH_SIZE) {
      const batch = chunkKeys.slice(i, i + BATCH_SIZE).map((key) => ({ DeleteRequest: { Key: key } }));
      await writeBatch(this.doc, this.tableName, batch);
    }
  }

  /** Every item under a key prefix, strongly consistent, page after page (chunks fill a 1 MB page fast). */
  private queryAll(prefix: { pk: string; skPrefix: string }, projection?: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.doc, this.tableName, prefix, projection);
  }

  private async releaseLock(memberGuid: string, jobGuid: string): Promise<void> {
    // Not applied: already released, or taken over by a newer job after this one's lock expired.
    await applied(
      this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.memberLock(memberGuid),
          ConditionExpression: 'job_guid = :job',
          ExpressionAttributeValues: { ':job': jobGuid },
        }),
      ),
    );
  }

  /**
   * An update that applies only while the job is active, in one transaction with another write
   * (a token's item); answers whether it applied (false when either condition failed).
   */
  private updateActiveWith(
    memberGuid: string,
    jobGuid: string,
    update: string,
    values: Record<string, unknown>,
    extraCondition: string | undefined,
    alsoWrite: NonNullable<TransactWriteCommandInput['TransactItems']>[number],
  ): Promise<boolean> {
    return this.transactOrRefused([
      {
        Update: {
          TableName: this.tableName,
          Key: keys.job(memberGuid, jobGuid),
          UpdateExpression: update,
          ConditionExpression: extraCondition ? `${IS_ACTIVE} AND ${extraCondition}` : IS_ACTIVE,
          ExpressionAttributeNames: { ...pickUsed(NAMES, update, extraCondition), '#status': 'status' },
          ExpressionAttributeValues: { ...ACTIVE, ...values },
        },
      },
      alsoWrite,
    ]);
  }

  /** A transaction (retried on conflicts); false when a condition of it failed. */
  private async transactOrRefused(items: NonNullable<TransactWriteCommandInput['TransactItems']>): Promise<boolean> {
    try {
      await sendTransaction(this.doc, new TransactWriteCommand({ TransactItems: items }), this.transactionPace);
      return true;
    } catch (error) {
      const refused =
        error instanceof TransactionCanceledException &&
        (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed');
      if (refused) return false;
      throw error;
    }
  }

  /**
   * An update that applies only while the job is active; answers the attributes `returnValues` asks
   * for (none by default: `{}`), or undefined when it did not apply.
   */
  private async updateActive(
    memberGuid: string,
    jobGuid: string,
    update: string,
    values: Record<string, unknown>,
    extraCondition?: string,
    extraNames: Record<string, string> = {},
    returnValues: ReturnValue = 'NONE',
  ): Promise<Record<string, unknown> | undefined> {
    const output = await conditionally(
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.job(memberGuid, jobGuid),
          UpdateExpression: update,
          ConditionExpression: extraCondition ? `${IS_ACTIVE} AND ${extraCondition}` : IS_ACTIVE,
          ExpressionAttributeNames: { ...pickUsed(NAMES, update, extraCondition), ...extraNames, '#status': 'status' },
          ExpressionAttributeValues: { ...ACTIVE, ...values },
          ReturnValues: returnValues,
        }),
      ),
    );
    return output && (output.Attributes ?? {});
  }
}

/** A job item as callers know it: the table's and the index's keys, and where its challenges lie, are the store's. */
function jobOf(item: Record<string, unknown>): JobRecord {
  const { [ACTIVE_SHARD]: _shard, [ACTIVE_SINCE]: _since, challenges_ref: _ref, ...record } = item;
  return withoutKeys<JobRecord>(record);
}

/** A lock item as a cancellation reason carries it, in DynamoDB's attribute-value form. */
function lockOf(item: Record<string, AttributeValue>): MemberLock | undefined {
  const { job_guid, job_type, expires_at } = item;
  return job_guid?.S && job_type?.S && expires_at?.N
    ? { job_guid: job_guid.S, job_type: job_type.S as JobType, expires_at: Number(expires_at.N) }
    : undefined;
}

/** DynamoDB rejects attribute names an expression does not use. */
function pickUsed(names: Record<string, string>, ...expressions: (string | undefined)[]): Record<string, string> {
  const text = expressions.join(' ');
  return Object.fromEntries(Object.entries(names).filter(([placeholder]) => text.includes(placeholder)));
}

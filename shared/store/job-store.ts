import {
  type AttributeValue,
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ChallengeResponse } from 'mx-platform-node';
import type { JobStatus, JobType, TerminalJobStatus } from '#shared/contract/workflow.js';
import { FAILURE_REASONS, type FailureReason } from '#shared/jobs/failure-reasons.js';
import { type JobCounts, type JobRecord, type JobWarning, type MemberLock, newJobRecord } from './job-record.js';
import { keys, withoutKeys } from './keys.js';

/** Thrown when a member already has a running job; carries which one. */
export class MemberBusyError extends Error {
  override readonly name = 'MemberBusyError';
  constructor(readonly running: MemberLock) {
    super(`member already runs ${running.job_type} job ${running.job_guid}`);
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

const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException;

/**
 * Job records and member locks in DynamoDB. Every change is conditional on the job still
 * being active, so a late or repeated workflow step can never reopen a finished job.
 */
export class JobStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Creates the job and takes the member's lock in one transaction, or throws MemberBusyError. */
  async createJob(job: NewJob): Promise<JobRecord> {
    const record = newJobRecord(job, job.now.toISOString());
    const lock: MemberLock = {
      job_guid: job.jobGuid,
      job_type: job.type,
      expires_at: Math.floor(job.now.getTime() / 1000) + job.lockSeconds,
    };
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.memberLock(job.memberGuid), ...lock },
                // An expired lock belongs to a job that died without releasing it.
                ConditionExpression: 'attribute_not_exists(pk) OR expires_at < :now',
                ExpressionAttributeValues: { ':now': Math.floor(job.now.getTime() / 1000) },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.job(job.memberGuid, job.jobGuid), ...record },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
    } catch (error) {
      const held = error instanceof TransactionCanceledException ? error.CancellationReasons?.[0] : undefined;
      if (held?.Code === 'ConditionalCheckFailed') {
        // The lock the condition saw, if its job ends (and frees it) before it can be read again.
        const running = held.Item ? ((await this.getLock(job.memberGuid)) ?? lockOf(held.Item)) : undefined;
        if (running) throw new MemberBusyError(running);
      }
      // DynamoDB (not DynamoDB Local) cancels colliding transactions on one item as TransactionConflict:
      // another start is taking this member's lock right now.
      if (held?.Code === 'TransactionConflict') {
        const running = await this.getLock(job.memberGuid);
        if (running) throw new MemberBusyError(running);
      }
      throw error;
    }
    return record;
  }

  async getJob(memberGuid: string, jobGuid: string): Promise<JobRecord | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.job(memberGuid, jobGuid), ConsistentRead: true }),
    );
    return Item ? withoutKeys<JobRecord>(Item) : undefined;
  }

  async getLock(memberGuid: string): Promise<MemberLock | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.memberLock(memberGuid), ConsistentRead: true }),
    );
    return Item ? withoutKeys<MemberLock>(Item) : undefined;
  }

  /** A member's jobs, newest first (job guids sort by time), a page at a time. */
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
    const items = Items.map((item) => withoutKeys<JobRecord>(item));
    return LastEvaluatedKey ? { items, lastKey: LastEvaluatedKey } : { items };
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
   * Keeps the challenges a status read found, for the park that follows; shown only once the
   * job is CHALLENGED. MX's status read carries them, so parking asks MX nothing more.
   */
  async stageChallenges(
    memberGuid: string,
    jobGuid: string,
    stage: { challenges: ChallengeResponse[]; now: Date },
  ): Promise<boolean> {
    return this.updateActive(memberGuid, jobGuid, 'SET challenges = :challenges, updated_at = :now', {
      ':challenges': stage.challenges,
      ':now': stage.now.toISOString(),
    });
  }

  /**
   * Parks the job: the task token that resumes the execution, with the challenges to show
   * (those given, else the ones staged by the status read). False when the job has ended, or
   * has no challenges to show.
   */
  async parkForChallenge(
    memberGuid: string,
    jobGuid: string,
    park: { challenges?: ChallengeResponse[]; taskToken: string; now: Date },
  ): Promise<boolean> {
    const at = park.now.toISOString();
    const given = park.challenges !== undefined;
    return this.updateActive(
      memberGuid,
      jobGuid,
      `SET #status = :challenged, ${given ? 'challenges = :challenges, ' : ''}task_token = :token, connection_status = :cs, updated_at = :now, #history = list_append(#history, :entry)`,
      {
        ...(given ? { ':challenges': park.challenges } : {}),
        ':token': park.taskToken,
        ':cs': 'CHALLENGED',
        ':now': at,
        ':entry': [{ at, status: 'CHALLENGED', connection_status: 'CHALLENGED' }],
      },
      given ? undefined : 'attribute_exists(challenges)',
    );
  }

  /**
   * Takes the task token of a parked job for one answer. Only one caller can win it, which
   * is what makes an answer posted twice resume once.
   */
  async claimChallenge(claim: {
    memberGuid: string;
    jobGuid: string;
    userGuid: string;
    now: Date;
  }): Promise<{ taskToken: string; parkedAt: string; challenges: ChallengeResponse[] } | undefined> {
    const { memberGuid, jobGuid, userGuid, now } = claim;
    const at = now.toISOString();
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.job(memberGuid, jobGuid),
          UpdateExpression:
            'SET #status = :running, connection_status = :resumed, updated_at = :now, #history = list_append(#history, :entry) REMOVE task_token, challenges',
          ConditionExpression: '#status = :challenged AND attribute_exists(task_token) AND user_guid = :user',
          ExpressionAttributeNames: NAMES,
          ExpressionAttributeValues: {
            ':running': 'RUNNING',
            ':challenged': 'CHALLENGED',
            ':resumed': 'RESUMED',
            ':user': userGuid,
            ':now': at,
            ':entry': [{ at, status: 'RUNNING', connection_status: 'RESUMED' }],
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      if (!Attributes) return undefined;
      return {
        taskToken: String(Attributes.task_token),
        parkedAt: String(Attributes.updated_at),
        challenges: (Attributes.challenges ?? []) as ChallengeResponse[],
      };
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** Gives a claimed challenge back when MX refused the answer, so the end user can try again. */
  async releaseChallenge(
    memberGuid: string,
    jobGuid: string,
    challenge: { challenges: ChallengeResponse[]; taskToken: string; now: Date },
  ): Promise<void> {
    await this.updateActive(
      memberGuid,
      jobGuid,
      'SET #status = :challenged, connection_status = :challenged, challenges = :challenges, task_token = :token, updated_at = :now',
      { ':challenges': challenge.challenges, ':token': challenge.taskToken, ':now': challenge.now.toISOString() },
      'attribute_not_exists(task_token)',
    );
  }

  /** Ends the job (once: a finished job is never finished again) and frees the member. */
  async finishJob(memberGuid: string, jobGuid: string, finish: JobFinish): Promise<boolean> {
    const at = finish.now.toISOString();
    const error = finish.reason ? { code: finish.reason, message: FAILURE_REASONS[finish.reason].message } : null;
    const knowsStatus = finish.connectionStatus !== undefined;
    const connectionStatus = knowsStatus ? (finish.connectionStatus ?? null) : null;
    // The member first: once the job reads as ended, a new job can start on it.
    await this.releaseLock(memberGuid, jobGuid);
    const finished = await this.updateActive(
      memberGuid,
      jobGuid,
      `SET #status = :status, #error = :error, counts = :counts, finished_at = :now, updated_at = :now, #history = list_append(#history, :entry)${
        knowsStatus ? ', connection_status = :cs' : ''
      }${finish.warnings?.length ? ', warnings = :warnings' : ''} REMOVE task_token, challenges`,
      {
        ':status': finish.status,
        ':error': error,
        ':counts': finish.counts ?? {},
        ':now': at,
        ':entry': [{ at, status: finish.status, connection_status: connectionStatus }],
        ...(knowsStatus ? { ':cs': connectionStatus } : {}),
        ...(finish.warnings?.length ? { ':warnings': finish.warnings } : {}),
      },
      undefined,
      { '#error': 'error' },
    );
    return finished;
  }

  private async releaseLock(memberGuid: string, jobGuid: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.memberLock(memberGuid),
          ConditionExpression: 'job_guid = :job',
          ExpressionAttributeValues: { ':job': jobGuid },
        }),
      );
    } catch (error) {
      // Already released, or taken over by a newer job after this one's lock expired.
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** An update that applies only while the job is active; answers whether it applied. */
  private async updateActive(
    memberGuid: string,
    jobGuid: string,
    update: string,
    values: Record<string, unknown>,
    extraCondition?: string,
    extraNames: Record<string, string> = {},
  ): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.job(memberGuid, jobGuid),
          UpdateExpression: update,
          ConditionExpression: extraCondition ? `${IS_ACTIVE} AND ${extraCondition}` : IS_ACTIVE,
          ExpressionAttributeNames: { ...pickUsed(NAMES, update, extraCondition), ...extraNames, '#status': 'status' },
          ExpressionAttributeValues: { ...ACTIVE, ...values },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
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

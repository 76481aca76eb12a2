import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { applied, conditionally } from './conditional-write.js';
import { sendTransaction } from './dynamodb-retries.js';
import { lockSecond } from './job-record.js';
import { keys } from './keys.js';
import { TABLE_DEFINITION } from './table-definition.js';

/** How long a wait's token item outlives its writing before DynamoDB's TTL may delete it (a wait lasts minutes). */
const TOKEN_KEPT_SECONDS = 24 * 60 * 60;

/** What a webhook found on its member: no job of ours, a job between waits, or a job waiting for it. */
export type WebhookNoted = { readonly jobRunning: false } | { readonly jobRunning: true; readonly taskToken?: string };

/**
 * How MX's webhooks reach the job that holds a member: on the member's lock item (one per running
 * job), `webhook_at` says when the member's last webhook was noted; the task token of a wait a
 * webhook ends is an item of its own (keys.webhookWaitToken, naming its job), which only the
 * waiting step and the webhook processor may touch. Both sides write with a condition, so no
 * webhook is lost between a status read and the wait after it: the wait's token is left only
 * when no webhook came since the read (checked on the lock in the same transaction), and a
 * webhook notes itself on the lock first, then reads the token, sends it and takes it off (a
 * send that fails keeps it).
 */
export class MemberWebhookSignal {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Notes a webhook on the member's running job; answers the task token of its wait, if it waits.
   * The token stays until `tokenSent` takes it: a send that fails is tried again with it.
   */
  async noteWebhook(memberGuid: string, now: Date): Promise<WebhookNoted> {
    const noted = await conditionally(
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.memberLock(memberGuid),
          UpdateExpression: 'SET webhook_at = :now',
          // A lock past its expiry belongs to a job that died: no job runs (isLiveLock's rule).
          ConditionExpression: 'attribute_exists(pk) AND expires_at >= :nowSeconds',
          ExpressionAttributeValues: { ':now': now.getTime(), ':nowSeconds': lockSecond(now) },
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    if (!noted) return { jobRunning: false };
    const { Item: wait } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.webhookWaitToken(memberGuid), ConsistentRead: true }),
    );
    // A token left by an earlier job of the member is dead: its execution has ended.
    const token = wait?.job_guid === noted.Attributes?.job_guid ? wait?.task_token : undefined;
    return typeof token === 'string' ? { jobRunning: true, taskToken: token } : { jobRunning: true };
  }

  /** Takes a sent token off, unless a newer wait has left its own there meanwhile. */
  async tokenSent(memberGuid: string, taskToken: string): Promise<void> {
    await applied(
      this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.webhookWaitToken(memberGuid),
          ConditionExpression: 'task_token = :token',
          ExpressionAttributeValues: { ':token': taskToken },
        }),
      ),
    );
  }

  /**
   * Leaves the job's task token for the member's next webhook, unless one was noted since the
   * status read began at `polledAt` (or since the job started, before its first read): answers
   * false then, and the wait should end at once.
   */
  async awaitWebhook(memberGuid: string, jobGuid: string, taskToken: string, polledAt: number): Promise<boolean> {
    const nowSeconds = Math.floor(Date.now() / 1000);
    try {
      await sendTransaction(
        this.doc,
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: this.tableName,
                Key: keys.memberLock(memberGuid),
                ConditionExpression: 'job_guid = :job AND (attribute_not_exists(webhook_at) OR webhook_at < :polledAt)',
                ExpressionAttributeValues: { ':job': jobGuid, ':polledAt': polledAt },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...keys.webhookWaitToken(memberGuid),
                  task_token: taskToken,
                  job_guid: jobGuid,
                  [TABLE_DEFINITION.timeToLiveAttribute]: nowSeconds + TOKEN_KEPT_SECONDS,
                },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException && isConditionRefusal(error)) return false;
      throw error;
    }
  }
}

const isConditionRefusal = (error: TransactionCanceledException) =>
  (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed');

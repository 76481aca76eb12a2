import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { applied, conditionally } from './conditional-write.js';
import { keys } from './keys.js';

/** What a webhook found on its member: no job of ours, a job between waits, or a job waiting for it. */
export type WebhookNoted = { readonly jobRunning: false } | { readonly jobRunning: true; readonly taskToken?: string };

/**
 * How MX's webhooks reach the job that holds a member: on the member's lock item (one per running
 * job), `webhook_at` says when the member's last webhook was noted and `webhook_token` holds the
 * task token of a wait a webhook ends. Both sides write with a condition, so no webhook is lost
 * between a status read and the wait after it: the wait is not taken when a webhook came since
 * the read, and a webhook sends the token it finds, then takes it off (a send that fails keeps it).
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
          // A lock past its expiry belongs to a job that died: no job runs.
          ConditionExpression: 'attribute_exists(pk) AND expires_at > :nowSeconds',
          ExpressionAttributeValues: { ':now': now.getTime(), ':nowSeconds': Math.floor(now.getTime() / 1000) },
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    if (!noted) return { jobRunning: false };
    const token = noted.Attributes?.webhook_token;
    return typeof token === 'string' ? { jobRunning: true, taskToken: token } : { jobRunning: true };
  }

  /** Takes a sent token off the lock, unless a newer wait has left its own there meanwhile. */
  async tokenSent(memberGuid: string, taskToken: string): Promise<void> {
    await applied(
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.memberLock(memberGuid),
          UpdateExpression: 'REMOVE webhook_token',
          ConditionExpression: 'webhook_token = :token',
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
  awaitWebhook(memberGuid: string, jobGuid: string, taskToken: string, polledAt: number): Promise<boolean> {
    return applied(
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.memberLock(memberGuid),
          UpdateExpression: 'SET webhook_token = :token',
          ConditionExpression: 'job_guid = :job AND (attribute_not_exists(webhook_at) OR webhook_at < :polledAt)',
          ExpressionAttributeValues: { ':token': taskToken, ':job': jobGuid, ':polledAt': polledAt },
        }),
      ),
    );
  }
}

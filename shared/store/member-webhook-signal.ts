import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys.js';

/** What a webhook found on its member: no job of ours, a job between waits, or a job waiting for it. */
export type WebhookNoted = { readonly jobRunning: false } | { readonly jobRunning: true; readonly taskToken?: string };

const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException;

/**
 * How MX's webhooks reach the job that holds a member: on the member's lock item (one per running
 * job), `webhook_at` says when the member's last webhook was noted and `webhook_token` holds the
 * task token of a wait a webhook ends. Both sides write with a condition, so no webhook is lost
 * between a status read and the wait after it: the wait is not taken when a webhook came since
 * the read, and a webhook takes the token it finds (once: it removes it).
 */
export class MemberWebhookSignal {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Notes a webhook on the member's running job; answers the task token of its wait, if it waits. */
  async noteWebhook(memberGuid: string, now: Date): Promise<WebhookNoted> {
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.memberLock(memberGuid),
          UpdateExpression: 'SET webhook_at = :now REMOVE webhook_token',
          // A lock past its expiry belongs to a job that died: no job runs.
          ConditionExpression: 'attribute_exists(pk) AND expires_at > :nowSeconds',
          ExpressionAttributeValues: { ':now': now.getTime(), ':nowSeconds': Math.floor(now.getTime() / 1000) },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const token = Attributes?.webhook_token;
      return typeof token === 'string' ? { jobRunning: true, taskToken: token } : { jobRunning: true };
    } catch (error) {
      if (isConditionFailure(error)) return { jobRunning: false };
      throw error;
    }
  }

  /**
   * Leaves the job's task token for the member's next webhook, unless one was noted since the
   * status read began at `polledAt` (or since the job started, before its first read): answers
   * false then, and the wait should end at once.
   */
  async awaitWebhook(memberGuid: string, jobGuid: string, taskToken: string, polledAt: number): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.memberLock(memberGuid),
          UpdateExpression: 'SET webhook_token = :token',
          ConditionExpression: 'job_guid = :job AND (attribute_not_exists(webhook_at) OR webhook_at < :polledAt)',
          ExpressionAttributeValues: { ':token': taskToken, ':job': jobGuid, ':polledAt': polledAt },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

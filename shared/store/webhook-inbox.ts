import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { applied } from './conditional-write.js';
import { keys } from './keys.js';

/**
 * A repeat of a delivery within this long is the same delivery (MX's duplicates come close
 * together). Longer would swallow a real repeat: two rounds of challenges send the same
 * CONNECTION_STATUS body minutes apart; one that slips through only costs a status read.
 */
export const WEBHOOK_DEDUPE_SECONDS = 120;
/** An inbox item is kept past MX's retry window (about 24 h), then DynamoDB's TTL removes it. */
export const WEBHOOK_RETENTION_SECONDS = 3 * 24 * 3600;

export type InboxOutcome = 'STORED' | 'DUPLICATE';

/**
 * MX's webhook deliveries, kept in the table before the receiver answers (so none is lost once
 * MX heard 204), one item per distinct body; the table's stream hands each new one to the
 * processor, asynchronously.
 */
export class WebhookInbox {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Stores a delivery unless the same body arrived within WEBHOOK_DEDUPE_SECONDS. */
  async receive(body: string, now: Date): Promise<InboxOutcome> {
    const receivedAt = now.getTime();
    const stored = await applied(
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.webhookDelivery(webhookBodyHash(body)),
            body,
            received_at: receivedAt,
            expires_at: Math.floor(receivedAt / 1000) + WEBHOOK_RETENTION_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR received_at < :repeatsFrom',
          ExpressionAttributeValues: { ':repeatsFrom': receivedAt - WEBHOOK_DEDUPE_SECONDS * 1000 },
        }),
      ),
    );
    return stored ? 'STORED' : 'DUPLICATE';
  }
}

export const webhookBodyHash = (body: string) => createHash('sha256').update(body).digest('hex');

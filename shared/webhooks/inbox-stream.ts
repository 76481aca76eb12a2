import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { WEBHOOK_PREFIX } from '#shared/store/keys.js';
import { MxWebhook } from './mx-webhook.js';

/**
 * The stream filter the processor's event source applies: new inbox items (INSERT), and items
 * a repeat stored again after the dedupe window (MODIFY). Lambda's filter syntax, as CDK passes it.
 */
export const INBOX_STREAM_FILTER = {
  eventName: ['INSERT', 'MODIFY'],
  dynamodb: { Keys: { pk: { S: [{ prefix: WEBHOOK_PREFIX }] } } },
} as const;

/** Whether a stream record passes INBOX_STREAM_FILTER: the local stream twin applies the same rule. */
export function isInboxRecord(record: DynamoDBRecord): boolean {
  const pk = record.dynamodb?.Keys?.pk?.S;
  return (
    (INBOX_STREAM_FILTER.eventName as readonly string[]).includes(record.eventName ?? '') &&
    typeof pk === 'string' &&
    pk.startsWith(WEBHOOK_PREFIX)
  );
}

/** The webhook an inbox record holds, or undefined for a body that is not one (never stored by the receiver). */
export function webhookOfRecord(record: DynamoDBRecord): MxWebhook | undefined {
  const image = record.dynamodb?.NewImage;
  if (!image) return undefined;
  const item = unmarshall(image as Record<string, AttributeValue>);
  if (typeof item.body !== 'string') return undefined;
  try {
    const parsed = MxWebhook.safeParse(JSON.parse(item.body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

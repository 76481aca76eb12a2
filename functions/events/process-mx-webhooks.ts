import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '#shared/runtime/logger.js';
import { recordWebhookProcessed } from '#shared/runtime/metrics.js';
import { observability } from '#shared/runtime/observability.js';
import { webhookProcessingDeps } from '#shared/runtime/webhook-runtime.js';
import { webhookOfRecord } from '#shared/webhooks/inbox-stream.js';
import { memberOfWebhook } from '#shared/webhooks/mx-webhook.js';
import { processMxWebhook } from '#shared/webhooks/process-mx-webhook.js';

/**
 * The table's stream, filtered to the webhook inbox: each delivery acted on once, in order. A
 * failure reports its record (ReportBatchItemFailures), so Lambda retries from there and,
 * after its retries, leaves it in the dead-letter queue; the records before it stay done.
 */
export const handler: (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse> = middy<
  DynamoDBStreamEvent,
  DynamoDBBatchResponse
>()
  .use(observability())
  .handler(async ({ Records }) => {
    for (const record of Records) {
      const webhook = webhookOfRecord(record);
      if (!webhook) {
        logger.warn('inbox record without a webhook skipped', { eventId: record.eventID });
        continue;
      }
      try {
        const outcome = await processMxWebhook(webhookProcessingDeps(), webhook);
        logger.info('MX webhook processed', { type: webhook.type, outcome, ...memberOfWebhook(webhook) });
        recordWebhookProcessed(webhook.type, outcome);
      } catch (error) {
        logger.error('MX webhook processing failed', { type: webhook.type, error: error as Error });
        return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
      }
    }
    return { batchItemFailures: [] };
  });

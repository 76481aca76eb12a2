import { logger } from '#shared/runtime/logger.js';
import { recordWebhookProcessed } from '#shared/runtime/metrics.js';
import { streamHandler } from '#shared/runtime/stream-handler.js';
import { webhookProcessingDeps } from '#shared/runtime/webhook-runtime.js';
import { webhookOfRecord } from '#shared/webhooks/inbox-stream.js';
import { memberOfWebhook } from '#shared/webhooks/mx-webhook.js';
import { processMxWebhook } from '#shared/webhooks/process-mx-webhook.js';

/** The table's stream, filtered to the webhook inbox: each delivery acted on once, in order. */
export const handler = streamHandler(async (record) => {
  const webhook = webhookOfRecord(record);
  if (!webhook) {
    logger.warn('inbox record without a webhook skipped', { eventId: record.eventID });
    return;
  }
  const outcome = await processMxWebhook(webhookProcessingDeps(), webhook);
  logger.info('MX webhook processed', { type: webhook.type, outcome, ...memberOfWebhook(webhook) });
  recordWebhookProcessed(webhook.type, outcome);
});

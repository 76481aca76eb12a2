import type { FamilyOperations } from '#shared/api/operation.js';
import { logger } from '#shared/runtime/logger.js';
import { memberOfWebhook } from '#shared/webhooks/mx-webhook.js';

export const webhookOperations: FamilyOperations<'webhooks'> = {
  /**
   * Stores the delivery (once per body, however often MX repeats it) and answers 204 at once:
   * the table's stream hands it to the processor, so MX never waits on a status read.
   */
  receiveMxWebhook: async (deps, { body }) => {
    const outcome = await deps.webhookInbox.receive(JSON.stringify(body), deps.now());
    logger.info('MX webhook received', { type: body.type, action: body.action, outcome, ...memberOfWebhook(body) });
    return { status: 204 };
  },
};

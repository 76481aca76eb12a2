import { type InboxOutcome, WEBHOOK_DEDUPE_SECONDS, type WebhookInbox } from '#shared/store/webhook-inbox.js';

/** WebhookInbox in memory: a body is stored again only once its repeat window has passed. */
export class InMemoryWebhookInbox implements Pick<WebhookInbox, keyof WebhookInbox> {
  readonly deliveries: { body: string; receivedAt: number }[] = [];

  async receive(body: string, now: Date): Promise<InboxOutcome> {
    const repeatsFrom = now.getTime() - WEBHOOK_DEDUPE_SECONDS * 1000;
    if (this.deliveries.some((d) => d.body === body && d.receivedAt >= repeatsFrom)) return 'DUPLICATE';
    this.deliveries.push({ body, receivedAt: now.getTime() });
    return 'STORED';
  }
}

import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_DEDUPE_SECONDS, WEBHOOK_RETENTION_SECONDS, WebhookInbox } from '#shared/store/webhook-inbox.js';
import { type FreshTable, freshTable } from '#test/support/dynamodb.js';

let table: FreshTable;
let inbox: WebhookInbox;
const NOW = Date.parse('2026-12-05T12:00:00Z');

beforeAll(async () => {
  table = await freshTable('webhook-inbox');
  inbox = new WebhookInbox(table.doc, table.tableName);
});
afterAll(() => table?.client.destroy());

const items = async () => (await table.doc.send(new ScanCommand({ TableName: table.tableName }))).Items ?? [];

describe('WebhookInbox', () => {
  it('keeps one item per body within the repeat window, stored again after it, each expiring after MX’s retries', async () => {
    const body = JSON.stringify({ type: 'CONNECTION_STATUS', member_guid: 'MBR-1' });
    const windowMs = WEBHOOK_DEDUPE_SECONDS * 1000;

    const outcomes = [
      await inbox.receive(body, new Date(NOW)),
      await inbox.receive(body, new Date(NOW + windowMs - 1)),
      await inbox.receive(JSON.stringify({ type: 'CONNECTION_STATUS', member_guid: 'MBR-2' }), new Date(NOW)),
      await inbox.receive(body, new Date(NOW + windowMs + 1)),
    ];

    expect(outcomes).toEqual(['STORED', 'DUPLICATE', 'STORED', 'STORED']);
    const stored = await items();
    expect(stored).toHaveLength(2);
    expect(stored.find((item) => item.body === body)).toMatchObject({
      received_at: NOW + windowMs + 1,
      expires_at: Math.floor((NOW + windowMs + 1) / 1000) + WEBHOOK_RETENTION_SECONDS,
    });
  });
});

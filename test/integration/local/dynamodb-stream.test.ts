import { setTimeout as sleep } from 'node:timers/promises';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStreamConsumer } from '#local/dynamodb-stream.js';
import { createMxflowTable } from '#local/dynamodb-table.js';
import { startDynamoDbFaultProxy } from '#local/faults/dynamodb-fault-proxy.js';
import { faultRandom } from '#local/faults/fault-random.js';
import { dynamoEndpoint, type FreshTable, freshTable } from '#test/support/dynamodb.js';
import { eventually } from '#test/support/eventually.js';

let table: FreshTable;

beforeAll(async () => {
  table = await freshTable('dynamodb-stream');
  // freshTable makes no stream (no test but this one reads it): the same table, streaming.
  table = { ...table, tableName: `${table.tableName}-streamed` };
  await createMxflowTable(table.client, table.tableName, { stream: true });
});
afterAll(() => table?.client.destroy());

const put = (pk: string, extra: Record<string, unknown> = {}) =>
  table.doc.send(new PutCommand({ TableName: table.tableName, Item: { pk, sk: 'X', ...extra } }));
const pkOf = (record: DynamoDBRecord) => String(record.dynamodb?.Keys?.pk?.S);

describe("the local twin of an event source mapping on the table's stream", () => {
  it('hands the function its records in order, filtered, retries from a failed record, and dead-letters one that always fails', async () => {
    const attempts: string[] = [];
    const seen = new Map<string, DynamoDBRecord>();
    let failOnceLeft = 1;
    const consumer = await startStreamConsumer({
      dynamo: table.client,
      endpoint: dynamoEndpoint(),
      tableName: table.tableName,
      accepts: (record) => pkOf(record).startsWith('IN#'),
      maxAttempts: 3,
      handler: async ({ Records }) => {
        for (const record of Records) {
          const pk = pkOf(record);
          attempts.push(pk);
          seen.set(pk, record);
          const fails = pk === 'IN#poison' || (pk === 'IN#flaky' && failOnceLeft-- > 0);
          if (fails) return { batchItemFailures: [{ itemIdentifier: String(record.dynamodb?.SequenceNumber) }] };
        }
        return { batchItemFailures: [] };
      },
    });
    try {
      for (const pk of ['IN#1', 'OUT#1', 'IN#flaky', 'IN#2', 'IN#poison', 'IN#3']) await put(pk, { empty: {} });

      await eventually(() => attempts.includes('IN#3'));

      const firsts = attempts.filter((pk, i) => attempts.indexOf(pk) === i);
      expect(firsts).toEqual(['IN#1', 'IN#flaky', 'IN#2', 'IN#poison', 'IN#3']);
      expect(attempts.filter((pk) => pk === 'IN#flaky')).toHaveLength(2);
      expect(attempts.filter((pk) => pk === 'IN#poison')).toHaveLength(3);
      // As a mapping's dead-letter queue: where the record was in the stream, not the record.
      const poison = String(seen.get('IN#poison')?.dynamodb?.SequenceNumber);
      expect(consumer.deadLetters).toEqual([
        { shardId: expect.any(String), startSequenceNumber: poison, endSequenceNumber: poison, batchSize: 1 },
      ]);
      // DynamoDB Local writes an empty map as {} in its stream; the function meets DynamoDB's {"M": {}}.
      expect(seen.get('IN#1')?.dynamodb?.NewImage?.empty).toEqual({ M: {} });
      expect(consumer.processed()).toBe(4);
    } finally {
      await consumer.stop();
    }
  });

  it('reads an idle stream at Lambda’s pace, four times a second, and hands over a new record as before', async () => {
    // The stream read through a counting proxy with no faults: every request the twin makes.
    const proxy = await startDynamoDbFaultProxy({
      upstream: dynamoEndpoint(),
      faults: {},
      random: faultRandom('idle'),
    });
    const handed: string[] = [];
    const consumer = await startStreamConsumer({
      dynamo: table.client,
      endpoint: proxy.endpoint,
      tableName: table.tableName,
      accepts: (record) => pkOf(record).startsWith('IDLE#'),
      handler: async ({ Records }) => {
        handed.push(...Records.map(pkOf));
        return { batchItemFailures: [] };
      },
    });
    try {
      await sleep(500);
      const before = proxy.stats().requests;
      await sleep(2_000);
      const idleReads = proxy.stats().requests - before;
      await put('IDLE#1');
      await eventually(() => handed.includes('IDLE#1'));

      // Four a second for 2 s, with room for a late timer; every 20 ms would be about a hundred.
      expect(idleReads).toBeGreaterThanOrEqual(2);
      expect(idleReads).toBeLessThanOrEqual(10);
      expect(handed).toEqual(['IDLE#1']);
    } finally {
      await consumer.stop();
      await proxy.stop();
    }
  });
});

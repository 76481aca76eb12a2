import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynamoDbLocal } from '#local/dynamodb-local.js';
import { createMxflowTable } from '#local/dynamodb-table.js';
import { TABLE_DEFINITION } from '#shared/store/table-definition.js';
import { type FreshTable, freshTable } from '#test/support/dynamodb.js';

describe('DynamoDB Local with the mxflow table', () => {
  let table: FreshTable;

  beforeAll(async () => {
    table = await freshTable('dynamodb-local-test');
  });

  afterAll(() => {
    table?.client.destroy();
  });

  it('creates the table with the keys and TTL attribute of the shared definition, and again without error', async () => {
    await createMxflowTable(table.client, table.tableName);

    const { Table } = await table.client.send(new DescribeTableCommand({ TableName: table.tableName }));
    const ttl = await table.client.send(new DescribeTimeToLiveCommand({ TableName: table.tableName }));

    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: TABLE_DEFINITION.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_DEFINITION.sortKey, KeyType: 'RANGE' },
    ]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(ttl.TimeToLiveDescription).toMatchObject({
      AttributeName: TABLE_DEFINITION.timeToLiveAttribute,
      TimeToLiveStatus: 'ENABLED',
    });
  });

  it('stores an item and rejects a conditional put on an existing key with ConditionalCheckFailedException', async () => {
    const key = { pk: 'MEMBER#m-1', sk: 'LOCK' };
    await table.doc.send(new PutCommand({ TableName: table.tableName, Item: { ...key, owner: 'job-a' } }));

    const secondLock = table.doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...key, owner: 'job-b' },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );

    await expect(secondLock).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    const { Item } = await table.doc.send(new GetCommand({ TableName: table.tableName, Key: key }));
    expect(Item).toEqual({ ...key, owner: 'job-a' });
  });

  it('writes all items of a TransactWriteItems together, or none when one condition fails', async () => {
    const pk = 'JOB#j-1';
    await table.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table.tableName, Item: { pk, sk: 'STATE', status: 'RUNNING' } } },
          { Put: { TableName: table.tableName, Item: { pk, sk: 'EVENT#1', kind: 'started' } } },
        ],
      }),
    );

    const conflicting = table.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table.tableName, Item: { pk, sk: 'EVENT#2', kind: 'finished' } } },
          {
            Update: {
              TableName: table.tableName,
              Key: { pk, sk: 'STATE' },
              UpdateExpression: 'SET #status = :done',
              ConditionExpression: '#status = :pending',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':done': 'DONE', ':pending': 'PENDING' },
            },
          },
        ],
      }),
    );

    await expect(conflicting).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    const { Items } = await table.doc.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
      }),
    );
    expect(Items).toEqual([
      { pk, sk: 'EVENT#1', kind: 'started' },
      { pk, sk: 'STATE', status: 'RUNNING' },
    ]);
  });

  it('gives each caller of freshTable its own table', async () => {
    const other = await freshTable('dynamodb-local-test');
    try {
      const { Item } = await other.doc.send(
        new GetCommand({ TableName: other.tableName, Key: { pk: 'MEMBER#m-1', sk: 'LOCK' } }),
      );

      expect(other.tableName).not.toBe(table.tableName);
      expect(Item).toBeUndefined();
    } finally {
      other.client.destroy();
    }
  });
});

describe('starting DynamoDB Local', () => {
  it("starts and answers, and leaves the caller's JAVA_TOOL_OPTIONS and telemetry setting as they were", async () => {
    const callers = '-Dmxflow.caller=1';
    process.env.JAVA_TOOL_OPTIONS = callers;
    delete process.env.DDB_LOCAL_TELEMETRY;
    try {
      const dynamo = await startDynamoDbLocal();
      try {
        expect(process.env.JAVA_TOOL_OPTIONS).toBe(callers);
        expect(process.env.DDB_LOCAL_TELEMETRY).toBeUndefined();
        expect(dynamo.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      } finally {
        await dynamo.stop();
      }
    } finally {
      delete process.env.JAVA_TOOL_OPTIONS;
    }
  });
});

import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION } from '#local/dynamodb-local.js';
import {
  type DynamoDbFaultProxy,
  type DynamoDbFaults,
  startDynamoDbFaultProxy,
} from '#local/faults/dynamodb-fault-proxy.js';
import { faultRandom } from '#local/faults/fault-random.js';
import { dynamoEndpoint, type FreshTable, freshTable } from '#test/support/dynamodb.js';

/** With its keys, an item just under 100 KB: 100 write units (1 per KB, rounded up). */
const BLOB = 'x'.repeat(102_300);

describe('the DynamoDB fault layer', () => {
  const opened: { proxy: DynamoDbFaultProxy; table: FreshTable; client: DynamoDBClient }[] = [];
  afterEach(async () => {
    for (const { proxy, table, client } of opened.splice(0)) {
      client.destroy();
      table.client.destroy();
      await proxy.stop();
    }
  });

  /** A table, the fault layer in front of DynamoDB Local, and a document client through it. */
  async function throughFaults(
    faults: DynamoDbFaults,
    clientOptions: { maxAttempts?: number } = {},
    now?: () => number,
  ) {
    const table = await freshTable('faults');
    const proxy = await startDynamoDbFaultProxy({
      upstream: dynamoEndpoint(),
      faults,
      random: faultRandom('test'),
      ...(now && { now }),
    });
    const client = new DynamoDBClient({
      endpoint: proxy.endpoint,
      region: LOCAL_AWS_REGION,
      credentials: LOCAL_AWS_CREDENTIALS,
      ...clientOptions,
    });
    opened.push({ proxy, table, client });
    const doc = DynamoDBDocumentClient.from(client);
    return { proxy, doc, direct: table.doc, tableName: table.tableName };
  }

  it('forwards calls unchanged when no fault is set, and counts the writes per partition key', async () => {
    const { proxy, doc, direct, tableName } = await throughFaults({});

    await doc.send(new PutCommand({ TableName: tableName, Item: { pk: 'MBR-1', sk: 'a', value: 1 } }));
    await doc.send(new PutCommand({ TableName: tableName, Item: { pk: 'MBR-2', sk: 'a', value: 2 } }));
    const read = await doc.send(new GetCommand({ TableName: tableName, Key: { pk: 'MBR-1', sk: 'a' } }));

    expect(read.Item).toEqual({ pk: 'MBR-1', sk: 'a', value: 1 });
    const stored = await direct.send(new GetCommand({ TableName: tableName, Key: { pk: 'MBR-2', sk: 'a' } }));
    expect(stored.Item?.value).toBe(2);
    expect(proxy.stats()).toMatchObject({
      requests: 3,
      throttlingExceptions: 0,
      partitionKeysWritten: 2,
      peakWriteUnitsPerSecond: 1,
    });
  });

  it('answers ThrottlingException as DynamoDB does, which the SDK retries before giving up', async () => {
    const { proxy, doc, direct, tableName } = await throughFaults({ throttlingRate: 1 }, { maxAttempts: 2 });

    const refused = doc.send(new PutCommand({ TableName: tableName, Item: { pk: 'MBR-1', sk: 'a' } }));

    const error = await refused.catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ThrottlingException);
    expect(error).toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 400, attempts: 2 } });
    expect(proxy.stats().throttlingExceptions).toBe(2);
    const stored = await direct.send(new GetCommand({ TableName: tableName, Key: { pk: 'MBR-1', sk: 'a' } }));
    expect(stored.Item).toBeUndefined();
  });

  it('answers ProvisionedThroughputExceededException, and a low rate is survived by the SDK retries', async () => {
    const always = await throughFaults({ throughputExceededRate: 1 }, { maxAttempts: 1 });
    await expect(
      always.doc.send(new PutCommand({ TableName: always.tableName, Item: { pk: 'MBR-1', sk: 'a' } })),
    ).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);

    const sometimes = await throughFaults({ throughputExceededRate: 0.2 });
    for (let index = 0; index < 10; index += 1) {
      await sometimes.doc.send(
        new PutCommand({ TableName: sometimes.tableName, Item: { pk: 'MBR-1', sk: `${index}` } }),
      );
    }
    const { Count } = await sometimes.direct.send(
      new QueryCommand({
        TableName: sometimes.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'MBR-1' },
      }),
    );
    expect(Count).toBe(10);
    expect(sometimes.proxy.stats().throughputExceeded).toBeGreaterThan(0);
  });

  it('writes only part of a batch of 25 and gives back exactly the unsent items as UnprocessedItems', async () => {
    const { proxy, doc, direct, tableName } = await throughFaults({ unprocessedItemsRate: 1 });
    const items = Array.from({ length: 25 }, (_, index) => ({
      pk: 'MBR-1',
      sk: `TXN-${String(index).padStart(2, '0')}`,
    }));

    const { UnprocessedItems } = await doc.send(
      new BatchWriteCommand({ RequestItems: { [tableName]: items.map((Item) => ({ PutRequest: { Item } })) } }),
    );

    const unsent = (UnprocessedItems?.[tableName] ?? []).map((request) => request.PutRequest?.Item);
    const { Items: written = [] } = await direct.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'MBR-1' },
      }),
    );
    expect(unsent.length).toBeGreaterThan(0);
    expect(written.length).toBeGreaterThan(0);
    expect([...written, ...unsent].map((item) => item?.sk).sort()).toEqual(items.map((item) => item.sk));
    expect(written.map((item) => item.sk)).not.toEqual(expect.arrayContaining(unsent.map((item) => item?.sk)));
    expect(proxy.stats().unprocessedItems).toBe(unsent.length);
  });

  it('cancels transactions with a TransactionConflict and leaves their items unwritten', async () => {
    const { proxy, doc, direct, tableName } = await throughFaults({ transactionConflictRate: 1 });

    const error = await doc
      .send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: tableName, Item: { pk: 'MBR-1', sk: 'LOCK' } } },
            { Put: { TableName: tableName, Item: { pk: 'MBR-1', sk: 'JOB-1' } } },
          ],
        }),
      )
      .catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(TransactionCanceledException);
    const reasons = (error as TransactionCanceledException).CancellationReasons?.map((reason) => reason.Code);
    expect(reasons).toHaveLength(2);
    expect(reasons?.filter((code) => code === 'TransactionConflict')).toHaveLength(1);
    expect(reasons?.filter((code) => code === 'None')).toHaveLength(1);
    expect(proxy.stats().transactionConflicts).toBe(1);
    const lock = await direct.send(new GetCommand({ TableName: tableName, Key: { pk: 'MBR-1', sk: 'LOCK' } }));
    expect(lock.Item).toBeUndefined();
  });

  it('throttles 2,000 write units to one partition key within a second, not the same spread over 20 keys', async () => {
    // The ceiling's clock stands still: every write falls in the same second, however slow the machine.
    // 20 items of 100 write units each: 2,000 units.
    let clock = 0;
    const hot = await throughFaults({ partitionWriteCeiling: true }, { maxAttempts: 1 }, () => clock);
    const spread = await throughFaults({ partitionWriteCeiling: true }, { maxAttempts: 1 }, () => clock);
    const writes = (target: typeof hot, keyOf: (index: number) => string) =>
      Promise.allSettled(
        Array.from({ length: 20 }, (_, index) =>
          target.doc.send(
            new PutCommand({ TableName: target.tableName, Item: { pk: keyOf(index), sk: `${index}`, blob: BLOB } }),
          ),
        ),
      );

    const onOneKey = await writes(hot, () => 'MBR-1');
    const onTwentyKeys = await writes(spread, (index) => `MBR-1#${index % 20}`);

    const refused = onOneKey.filter((outcome) => outcome.status === 'rejected');
    expect(refused).toHaveLength(10);
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(hot.proxy.stats()).toMatchObject({
      ceilingRefusals: 10,
      partitionKeysWritten: 1,
      peakWriteUnitsPerSecond: 1_000,
      writeUnits: 1_000,
    });
    expect(onTwentyKeys.filter((outcome) => outcome.status === 'rejected')).toHaveLength(0);
    expect(spread.proxy.stats()).toMatchObject({
      ceilingRefusals: 0,
      partitionKeysWritten: 20,
      peakWriteUnitsPerSecond: 100,
    });

    clock += 1_000;
    await hot.doc.send(new PutCommand({ TableName: hot.tableName, Item: { pk: 'MBR-1', sk: 'a second later' } }));
    expect(hot.proxy.stats().ceilingRefusals).toBe(10);
  });

  it('gives back the batch items over the ceiling as UnprocessedItems rather than failing the call', async () => {
    const { proxy, doc, tableName } = await throughFaults({ partitionWriteCeiling: 10 });
    // 2 KB items: 2 write units each, so 5 of them fill the ten units of one second on one key.
    const items = Array.from({ length: 8 }, (_, index) => ({ pk: 'MBR-1', sk: `${index}`, blob: 'x'.repeat(2_000) }));

    const { UnprocessedItems } = await doc.send(
      new BatchWriteCommand({ RequestItems: { [tableName]: items.map((Item) => ({ PutRequest: { Item } })) } }),
    );

    expect(UnprocessedItems?.[tableName]?.map((request) => request.PutRequest?.Item?.sk)).toEqual(['5', '6', '7']);
    expect(proxy.stats()).toMatchObject({ ceilingUnprocessedItems: 3, writeUnits: 10, peakWriteUnitsPerSecond: 10 });
  });

  it('hides an item written a moment ago from an eventually consistent read, not from a consistent one', async () => {
    const { proxy, doc, tableName } = await throughFaults({ staleReadMs: 60_000 });
    await doc.send(new PutCommand({ TableName: tableName, Item: { pk: 'USR-1', sk: 'USER' } }));
    const query = {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'USR-1' },
    };

    const eventual = await doc.send(new GetCommand({ TableName: tableName, Key: { pk: 'USR-1', sk: 'USER' } }));
    const strong = await doc.send(
      new GetCommand({ TableName: tableName, Key: { pk: 'USR-1', sk: 'USER' }, ConsistentRead: true }),
    );
    const eventualQuery = await doc.send(new QueryCommand(query));
    const strongQuery = await doc.send(new QueryCommand({ ...query, ConsistentRead: true }));

    expect(eventual.Item).toBeUndefined();
    expect(strong.Item).toEqual({ pk: 'USR-1', sk: 'USER' });
    expect(eventualQuery).toMatchObject({ Items: [], Count: 0 });
    expect(strongQuery.Items).toEqual([{ pk: 'USR-1', sk: 'USER' }]);
    expect(proxy.stats().staleReads).toBe(2);
  });

  it('decides the same faults for the same seed and calls', async () => {
    const decided = async () => {
      const { proxy, doc, tableName } = await throughFaults({ throttlingRate: 0.5 }, { maxAttempts: 1 });
      const outcomes: string[] = [];
      for (let index = 0; index < 20; index += 1) {
        const sent = doc.send(new PutCommand({ TableName: tableName, Item: { pk: 'MBR-1', sk: `${index}` } }));
        outcomes.push(
          await sent.then(
            () => 'ok',
            (error: Error) => error.name,
          ),
        );
      }
      return { outcomes, throttled: proxy.stats().throttlingExceptions };
    };

    const first = await decided();
    const second = await decided();

    expect(second).toEqual(first);
    expect(first.throttled).toBeGreaterThan(0);
    expect(first.throttled).toBeLessThan(20);
  });
});

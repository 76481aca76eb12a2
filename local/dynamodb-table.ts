import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { TABLE_DEFINITION, TABLE_INDEXES } from '#shared/store/table-definition.js';

/**
 * CreateTable input derived from the one table definition the CDK stack also uses, so the
 * local table has exactly the deployed keys (both strings), index and billing mode.
 */
function mxflowCreateTableInput(tableName: string, stream: boolean): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    ...(stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: TABLE_DEFINITION.streamView } } : {}),
    AttributeDefinitions: [
      { AttributeName: TABLE_DEFINITION.partitionKey, AttributeType: 'S' },
      { AttributeName: TABLE_DEFINITION.sortKey, AttributeType: 'S' },
      ...TABLE_INDEXES.flatMap((index) => [
        { AttributeName: index.partitionKey, AttributeType: 'S' as const },
        { AttributeName: index.sortKey, AttributeType: 'S' as const },
      ]),
    ],
    KeySchema: [
      { AttributeName: TABLE_DEFINITION.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_DEFINITION.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: TABLE_INDEXES.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...index.projectedAttributes] },
    })),
  };
}

/**
 * Creates mxflow's table (if it is not there yet), waits until it is ACTIVE, and enables TTL on
 * the definition's attribute. Idempotent, so a local runtime can call it on every start. The
 * stream only where something reads it (the webhook processor's twin): DynamoDB Local writes
 * every stream record to disk, which would slow every table's writes for nothing.
 */
export async function createMxflowTable(
  client: DynamoDBClient,
  tableName: string,
  options: { stream?: boolean } = {},
): Promise<void> {
  try {
    await client.send(new CreateTableCommand(mxflowCreateTableInput(tableName, options.stream ?? false)));
  } catch (error) {
    // Already there (or being created) from an earlier run: fine, wait for it below.
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  // DynamoDB Local creates tables ACTIVE at once; the waiter also covers real, slower endpoints.
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
  await enableTimeToLive(client, tableName);
}

async function enableTimeToLive(client: DynamoDBClient, tableName: string): Promise<void> {
  const AttributeName = TABLE_DEFINITION.timeToLiveAttribute;
  try {
    const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const status = TimeToLiveDescription?.TimeToLiveStatus;
    if ((status === 'ENABLED' || status === 'ENABLING') && TimeToLiveDescription?.AttributeName === AttributeName)
      return;
    await client.send(
      new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName, Enabled: true } }),
    );
  } catch (error) {
    // TTL only deletes stale locks eventually (even on AWS, within days); code must never rely
    // on it, so an emulator that lacks it is still good enough. Key or table errors still throw.
    const name = (error as { name?: string }).name;
    if (name === 'UnknownOperationException' || name === 'UnrecognizedClientException') return;
    throw error;
  }
}

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION } from '#local/dynamodb-local.js';
import type { LocalMxflow } from '#local/local-mxflow.js';
import { keys } from '#shared/store/keys.js';

interface Table {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** The task token a parked job's item of its own holds (keys.challengeToken), as the tests read it. */
export async function storedChallengeToken(table: Table, memberGuid: string, jobGuid: string) {
  const { Item } = await table.doc.send(
    new GetCommand({ TableName: table.tableName, Key: keys.challengeToken(memberGuid, jobGuid), ConsistentRead: true }),
  );
  return Item?.task_token as string | undefined;
}

/** The local stack's table, read as a test does (outside any function, so no function's access applies). */
export function stackTable(stack: Pick<LocalMxflow, 'endpoints' | 'tableName'>): Table {
  const known = tables.get(stack);
  if (known) return known;
  const client = new DynamoDBClient({
    endpoint: stack.endpoints.dynamodb,
    region: LOCAL_AWS_REGION,
    credentials: LOCAL_AWS_CREDENTIALS,
  });
  const table = { doc: DynamoDBDocumentClient.from(client), tableName: stack.tableName };
  tables.set(stack, table);
  return table;
}

const tables = new WeakMap<object, Table>();

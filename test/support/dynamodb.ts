import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION } from '#local/dynamodb-local.js';
import { createMxflowTable } from '#local/dynamodb-table.js';
import { STORE_MARSHALLING } from '#shared/store/marshalling.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Endpoint of the one DynamoDB Local the global setup started; '' if it failed to start. */
    dynamoEndpoint: string;
    /** Why DynamoDB Local could not start ('' when it did), so only tests needing it fail. */
    dynamoStartError: string;
  }
}

export interface FreshTable {
  readonly tableName: string;
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
}

/** The shared DynamoDB Local's endpoint, or a clear error if the global setup could not start it. */
export function dynamoEndpoint(): string {
  const endpoint = inject('dynamoEndpoint');
  if (!endpoint) {
    throw new Error(
      `DynamoDB Local is not running for this test run: ${inject('dynamoStartError') || 'unknown reason'}`,
    );
  }
  return endpoint;
}

/** A client of the shared DynamoDB Local; dummy credentials, since it accepts any. */
function localDynamoDbClient(): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: dynamoEndpoint(),
    region: LOCAL_AWS_REGION,
    credentials: LOCAL_AWS_CREDENTIALS,
  });
}

/**
 * A new, uniquely named mxflow table in the shared DynamoDB Local: test files run in parallel
 * against one instance, so each must own its table. Tables vanish when the instance stops.
 * Call `client.destroy()` when done to free sockets (the document client shares it).
 */
export async function freshTable(prefix = 'mxflow-test'): Promise<FreshTable> {
  const client = localDynamoDbClient();
  // Table names allow [a-zA-Z0-9_.-], 3-255 chars.
  const tableName = `${prefix.replace(/[^a-zA-Z0-9_.-]/g, '-')}-${randomUUID()}`;
  await createMxflowTable(client, tableName);
  return { tableName, client, doc: DynamoDBDocumentClient.from(client, STORE_MARSHALLING) };
}

/**
 * A document client over `client` that records the sort-key prefix of every query whose prefix
 * starts with `kind` (`GENERATION#`, `CHALLENGE#`): how tests count a store's reads of one kind.
 */
export function countingPrefixReads(
  client: DynamoDBClient,
  kind: string,
): { doc: DynamoDBDocumentClient; reads: string[] } {
  const reads: string[] = [];
  const doc = DynamoDBDocumentClient.from(client, STORE_MARSHALLING);
  doc.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { ExpressionAttributeValues?: Record<string, unknown> };
      const prefix = String(input.ExpressionAttributeValues?.[':prefix'] ?? '');
      if (prefix.startsWith(kind)) reads.push(prefix);
      return next(args);
    },
    { step: 'initialize' },
  );
  return { doc, reads };
}

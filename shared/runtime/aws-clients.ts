import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { STORE_MARSHALLING } from '#shared/store/marshalling.js';
import { tracer } from './tracer.js';

/**
 * The DynamoDB document client, one per container, made on first use and traced (a subsegment
 * per call). Each AWS client has a module of its own so a function bundles only those it calls.
 */
let doc: DynamoDBDocumentClient | undefined;

/**
 * Attempts per DynamoDB call, the SDK's standard mode (jittered back-off): throttling under a
 * burst outlasts the default 3; more would eat the API's 29 s. Transactions cancelled for a
 * conflict and unprocessed batch items are retried by the stores (shared/store/dynamodb-retries.ts).
 */
const DYNAMODB_MAX_ATTEMPTS = 6;

export const documentClient = (): DynamoDBDocumentClient => (doc ??= newDocumentClient());

/** A document client of its own, as `documentClient` makes it (the copy bench's process makes one a run). */
export const newDocumentClient = (): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(
    tracer.captureAWSv3Client(new DynamoDBClient({ maxAttempts: DYNAMODB_MAX_ATTEMPTS, retryMode: 'standard' })),
    STORE_MARSHALLING,
  );

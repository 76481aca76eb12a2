import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '#local/dynamodb-local.js';
// Brings in the ProvidedContext augmentation for the keys provided below.
import type {} from './dynamodb.js';

/**
 * Starts one DynamoDB Local (~3 s) for the whole test run in the main vitest process; test
 * files reach it through `inject('dynamoEndpoint')` (see `freshTable`). A failure to start is
 * provided as `dynamoStartError` instead of thrown, so tests that never touch DynamoDB still run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  try {
    const dynamo = await startDynamoDbLocal();
    project.provide('dynamoEndpoint', dynamo.endpoint);
    project.provide('dynamoStartError', '');
    return () => dynamo.stop();
  } catch (error) {
    project.provide('dynamoEndpoint', '');
    project.provide('dynamoStartError', error instanceof Error ? error.message : String(error));
    return async () => {};
  }
}

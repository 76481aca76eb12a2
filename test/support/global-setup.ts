import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '#local/dynamodb-local.js';
// Bring in the ProvidedContext augmentations for the keys provided below.
import type {} from './dynamodb.js';
import type {} from './synthesized-template.js';

/**
 * Starts one DynamoDB Local (~3 s) for the whole test run in the main vitest process; test
 * files reach it through `inject('dynamoEndpoint')` (see `freshTable`). A failure to start is
 * provided as `dynamoStartError` instead of thrown, so tests that never touch DynamoDB still run.
 * Also makes the folder where the synthesized stack template is kept for the run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const templateCacheDir = mkdtempSync(join(tmpdir(), 'mxflow-templates-'));
  project.provide('templateCacheDir', templateCacheDir);
  const removeCache = () => rmSync(templateCacheDir, { recursive: true, force: true });
  try {
    const dynamo = await startDynamoDbLocal();
    project.provide('dynamoEndpoint', dynamo.endpoint);
    project.provide('dynamoStartError', '');
    return async () => {
      await dynamo.stop();
      removeCache();
    };
  } catch (error) {
    project.provide('dynamoEndpoint', '');
    project.provide('dynamoStartError', error instanceof Error ? error.message : String(error));
    return async () => removeCache();
  }
}

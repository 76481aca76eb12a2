import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '#local/dynamodb-local.js';
// Bring in the ProvidedContext augmentations for the keys provided below.
import type {} from './dynamodb.js';
import type {} from './synthesized-template.js';

interface RunResources {
  readonly dynamoEndpoint: string;
  readonly dynamoStartError: string;
  readonly templateCacheDir: string;
  stop(): Promise<void>;
}

/** What the run shares, started once in vitest's main process whichever project asks first. */
interface SharedRun {
  resources: Promise<RunResources>;
  users: number;
}

const SHARED = Symbol.for('mxflow.test.run');
const holder = globalThis as { [SHARED]?: SharedRun };

/**
 * Starts one DynamoDB Local (~3 s) for the whole test run in the main vitest process; test
 * files reach it through `inject('dynamoEndpoint')` (see `freshTable`). A failure to start is
 * provided as `dynamoStartError` instead of thrown, so tests that never touch DynamoDB still run.
 * Also makes the folder where the synthesized stack template is kept for the run.
 *
 * Every project that lists this file calls it: the first starts what the run shares, the others
 * are given the same, and the last to tear down stops it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  holder[SHARED] ??= { resources: startRunResources(), users: 0 };
  const shared = holder[SHARED];
  shared.users += 1;
  const resources = await shared.resources;
  project.provide('templateCacheDir', resources.templateCacheDir);
  project.provide('dynamoEndpoint', resources.dynamoEndpoint);
  project.provide('dynamoStartError', resources.dynamoStartError);
  return async () => {
    shared.users -= 1;
    if (shared.users > 0) return;
    delete holder[SHARED];
    await resources.stop();
  };
}

async function startRunResources(): Promise<RunResources> {
  const templateCacheDir = mkdtempSync(join(tmpdir(), 'mxflow-templates-'));
  const removeCache = () => rmSync(templateCacheDir, { recursive: true, force: true });
  try {
    const dynamo = await startDynamoDbLocal();
    return {
      dynamoEndpoint: dynamo.endpoint,
      dynamoStartError: '',
      templateCacheDir,
      stop: async () => {
        await dynamo.stop();
        removeCache();
      },
    };
  } catch (error) {
    return {
      dynamoEndpoint: '',
      dynamoStartError: error instanceof Error ? error.message : String(error),
      templateCacheDir,
      stop: async () => removeCache(),
    };
  }
}

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { stepFunctionsTaskTokens } from '../jobs/task-tokens.js';
import type { WorkflowDeps } from '../jobs/workflow-deps.js';
import { JobStore } from '../store/job-store.js';
import { ResultStore } from '../store/result-store.js';
import { mxClientFromSecret } from './mx-from-secret.js';
import { readWorkflowConfig, type WorkflowConfig } from './workflow-config.js';

interface Clients {
  readonly config: WorkflowConfig;
  readonly jobs: JobStore;
  readonly results: ResultStore;
  readonly sfn: SFNClient;
}

let clients: Clients | undefined;

/** Built once per container on first use, not at import, so a bad environment fails the call clearly. */
function awsClients(): Clients {
  if (!clients) {
    const config = readWorkflowConfig();
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
    clients = { config, jobs: new JobStore(doc, config.tableName), results: new ResultStore(doc, config.tableName), sfn: new SFNClient({}) };
  }
  return clients;
}

/** Everything a workflow step needs; the MX client follows the cached secret. */
export async function workflowDeps(): Promise<WorkflowDeps> {
  const { config, jobs, results, sfn } = awsClients();
  const mx = await mxClientFromSecret({
    secretId: config.mxSecretId,
    baseUrl: config.mxBaseUrl,
    dialect: config.mxDialect,
    timeoutMs: config.mxTimeoutMs,
  });
  return {
    mx,
    jobs,
    results,
    taskTokens: stepFunctionsTaskTokens(sfn),
    schedule: config.schedule,
    fetchConcurrency: config.fetchConcurrency,
    now: () => new Date(),
  };
}

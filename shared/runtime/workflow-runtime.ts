import type { SFNClient } from '@aws-sdk/client-sfn';
import { stepFunctionsTaskTokens } from '#shared/jobs/task-tokens.js';
import type { WorkflowDeps } from '#shared/jobs/workflow-deps.js';
import { JobStore } from '#shared/store/job-store.js';
import { ResultStore } from '#shared/store/result-store.js';
import { documentClient } from './aws-clients.js';
import { mxClientFromSecret } from './mx-from-secret.js';
import { stepFunctionsClient } from './step-functions-client.js';
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
    const doc = documentClient();
    clients = {
      config,
      jobs: new JobStore(doc, config.tableName),
      results: new ResultStore(doc, config.tableName),
      sfn: stepFunctionsClient(),
    };
  }
  return clients;
}

/** Everything a workflow step needs; the MX client follows the cached secret. */
export async function workflowDeps(): Promise<WorkflowDeps> {
  const { config, jobs, results, sfn } = awsClients();
  const mx = await mxClientFromSecret(config.mx);
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

import { ENV } from '#shared/contract/workflow.js';
import { lazyWorkflowMx } from '#shared/jobs/lazy-workflow-mx.js';
import type { WorkflowDeps } from '#shared/jobs/workflow-deps.js';
import { JobStore } from '#shared/store/job-store.js';
import { MemberWebhookSignal } from '#shared/store/member-webhook-signal.js';
import { type ResultFieldCipher, ResultStore } from '#shared/store/result-store.js';
import { TransactionSyncStore } from '#shared/store/transaction-sync-store.js';
import { documentClient } from './aws-clients.js';
import { parseEnvironment, TableEnvironment } from './environment.js';
import { mxClientFromSecret } from './mx-from-secret.js';
import { readWorkflowConfig, type WorkflowConfig } from './workflow-config.js';

interface Clients {
  readonly config: WorkflowConfig;
  readonly jobs: JobStore;
  readonly results: ResultStore;
  readonly sync: TransactionSyncStore;
}

/** By cipher: one process may run several functions (the local stack), and only FetchResults' encrypts. */
const clientsByCipher = new Map<(() => ResultFieldCipher) | undefined, Clients>();

/**
 * Built once per container on first use, not at import, so a bad environment fails the call clearly.
 * `fields`: the result fields' cipher of the one function that writes them (FetchResults).
 */
function awsClients(fields?: () => ResultFieldCipher): Clients {
  let clients = clientsByCipher.get(fields);
  if (!clients) {
    const config = readWorkflowConfig();
    const doc = documentClient();
    const results = new ResultStore(doc, config.tableName, {
      cleanupBudgetMs: config.resultsCleanupMs,
      retentionDays: config.resultRetentionDays,
      ...(fields ? { fields: fields() } : {}),
    });
    const sync = new TransactionSyncStore(doc, config.tableName, results);
    clients = { config, jobs: new JobStore(doc, config.tableName), results, sync };
    clientsByCipher.set(fields, clients);
  }
  return clients;
}

/** What a workflow step needs but task tokens, which only ParkForChallenge's step sends. */
export type TasklessWorkflowDeps = Omit<WorkflowDeps, 'taskTokens'>;

/**
 * Everything a workflow step needs but task tokens. The MX client follows the cached secret, read
 * on the step's first MX call only: the steps that call no MX may not read it.
 */
export async function workflowDeps(fields?: () => ResultFieldCipher): Promise<TasklessWorkflowDeps> {
  const { config, jobs, results, sync } = awsClients(fields);
  return {
    mx: lazyWorkflowMx(() => mxClientFromSecret(config.mx)),
    jobs,
    results,
    sync,
    schedule: config.schedule,
    fetchConcurrency: config.fetchConcurrency,
    challengeTimeoutSeconds: config.challengeTimeoutSeconds,
    refreshAfterSeconds: config.refreshAfterSeconds,
    now: () => new Date(),
  };
}

let webhookSignal: MemberWebhookSignal | undefined;

/** Where a job's wait for its member's webhook is kept (the member's lock item); the table alone. */
export function webhookSignalDeps(): { webhookSignal: MemberWebhookSignal } {
  webhookSignal ??= new MemberWebhookSignal(
    documentClient(),
    parseEnvironment(TableEnvironment, process.env)[ENV.tableName],
  );
  return { webhookSignal };
}

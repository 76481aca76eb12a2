import { ENV } from '#shared/contract/workflow.js';
import { startJobExecution } from '#shared/jobs/start-job-execution.js';
import * as z from '#shared/runtime/zod.js';
import { JobStore } from '#shared/store/job-store.js';
import { MemberStore } from '#shared/store/member-store.js';
import type { WebhookProcessingDeps } from '#shared/webhooks/process-mx-webhook.js';
import { documentClient } from './aws-clients.js';
import { BaseEnvironment, JobStartEnvironment, jobStartsOf, mxConnectionOf, parseEnvironment } from './environment.js';
import { mxClientFromSecret } from './mx-from-secret.js';
import { clientTaskTokens, stepFunctionsClient } from './step-functions-client.js';
import { webhookSignalDeps } from './workflow-runtime.js';

const WebhookEnvironment = z.extend(BaseEnvironment, JobStartEnvironment);

let deps: WebhookProcessingDeps | undefined;

/** The webhook processor's deps, built once per container on first use; MX is reached only when a read is needed. */
export function webhookProcessingDeps(): WebhookProcessingDeps {
  if (!deps) {
    const env = parseEnvironment(WebhookEnvironment, process.env);
    const connection = mxConnectionOf(env);
    const jobs = new JobStore(documentClient(), env[ENV.tableName]);
    const now = () => new Date();
    // It starts aggregations that follow MX's background runs.
    const starts = { jobs, sfn: stepFunctionsClient(), ...jobStartsOf(env), now };
    deps = {
      members: new MemberStore(documentClient(), env[ENV.tableName]),
      jobs,
      ...webhookSignalDeps(),
      taskTokens: clientTaskTokens(),
      mx: () => mxClientFromSecret(connection),
      startBackgroundSync: async ({ userGuid, memberGuid, isOauth }) => {
        const request = {
          type: 'aggregate',
          userGuid,
          memberGuid,
          observeOnly: true,
          isOauth,
          unattended: true,
        } as const;
        return (await startJobExecution(starts, request)).started;
      },
      now,
    };
  }
  return deps;
}

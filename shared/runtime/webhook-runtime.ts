import { ENV } from '#shared/contract/workflow.js';
import { JobStore } from '#shared/store/job-store.js';
import { MemberStore } from '#shared/store/member-store.js';
import type { WebhookProcessingDeps } from '#shared/webhooks/process-mx-webhook.js';
import { documentClient } from './aws-clients.js';
import { BaseEnvironment, mxConnectionOf, parseEnvironment } from './environment.js';
import { mxClientFromSecret } from './mx-from-secret.js';
import { clientTaskTokens } from './step-functions-client.js';
import { webhookSignalDeps } from './workflow-runtime.js';

let deps: WebhookProcessingDeps | undefined;

/** The webhook processor's deps, built once per container on first use; MX is reached only when a read is needed. */
export function webhookProcessingDeps(): WebhookProcessingDeps {
  if (!deps) {
    const env = parseEnvironment(BaseEnvironment, process.env);
    const connection = mxConnectionOf(env);
    deps = {
      members: new MemberStore(documentClient(), env[ENV.tableName]),
      jobs: new JobStore(documentClient(), env[ENV.tableName]),
      ...webhookSignalDeps(),
      taskTokens: clientTaskTokens(),
      mx: () => mxClientFromSecret(connection),
      now: () => new Date(),
    };
  }
  return deps;
}

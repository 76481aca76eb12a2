import { DEFAULT_JOB_TIME_BUDGET, jobTimeLimits } from '#shared/contract/time-budget.js';
import { ENV, STATE_MACHINE_ARN_ENV } from '#shared/contract/workflow.js';
import { startJobExecution } from '#shared/jobs/start-job-execution.js';
import * as z from '#shared/runtime/zod.js';
import { JobStore } from '#shared/store/job-store.js';
import { MemberStore } from '#shared/store/member-store.js';
import type { WebhookProcessingDeps } from '#shared/webhooks/process-mx-webhook.js';
import { documentClient } from './aws-clients.js';
import { BaseEnvironment, mxConnectionOf, numberVariable, parseEnvironment } from './environment.js';
import { mxClientFromSecret } from './mx-from-secret.js';
import { clientTaskTokens, stepFunctionsClient } from './step-functions-client.js';
import { webhookSignalDeps } from './workflow-runtime.js';

const arn = z.string().check(z.minLength(1));
const WebhookEnvironment = z.extend(BaseEnvironment, {
  // It starts aggregations that follow MX's background runs, and (a start repeated after a crash)
  // the execution of whichever job holds the member.
  [STATE_MACHINE_ARN_ENV.aggregate]: arn,
  [STATE_MACHINE_ARN_ENV.verify]: arn,
  [STATE_MACHINE_ARN_ENV.identify]: arn,
  [STATE_MACHINE_ARN_ENV.history]: arn,
  [ENV.jobLockSeconds]: numberVariable(jobTimeLimits(DEFAULT_JOB_TIME_BUDGET).lockSeconds, z.int(), z.gt(0)),
});

let deps: WebhookProcessingDeps | undefined;

/** The webhook processor's deps, built once per container on first use; MX is reached only when a read is needed. */
export function webhookProcessingDeps(): WebhookProcessingDeps {
  if (!deps) {
    const env = parseEnvironment(WebhookEnvironment, process.env);
    const connection = mxConnectionOf(env);
    const jobs = new JobStore(documentClient(), env[ENV.tableName]);
    const now = () => new Date();
    const starts = {
      jobs,
      sfn: stepFunctionsClient(),
      stateMachineArns: {
        aggregate: env[STATE_MACHINE_ARN_ENV.aggregate],
        verify: env[STATE_MACHINE_ARN_ENV.verify],
        identify: env[STATE_MACHINE_ARN_ENV.identify],
        history: env[STATE_MACHINE_ARN_ENV.history],
      },
      lockSeconds: env[ENV.jobLockSeconds],
      now,
    };
    deps = {
      members: new MemberStore(documentClient(), env[ENV.tableName]),
      jobs,
      ...webhookSignalDeps(),
      taskTokens: clientTaskTokens(),
      mx: () => mxClientFromSecret(connection),
      startBackgroundSync: async ({ userGuid, memberGuid, isOauth }) => {
        const request = { type: 'aggregate', userGuid, memberGuid, observeOnly: true, isOauth } as const;
        return (await startJobExecution(starts, request)).started;
      },
      now,
    };
  }
  return deps;
}

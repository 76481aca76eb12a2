import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ENV } from '#shared/contract/workflow.js';
import {
  DEFAULT_REFRESH_AFTER_SECONDS,
  DEFAULT_REFRESH_BATCH_LIMIT,
  type RefreshMembersDeps,
  type RefreshOutcome,
  refreshMembers,
} from '#shared/jobs/refresh-members.js';
import { startJobExecution } from '#shared/jobs/start-job-execution.js';
import { documentClient } from '#shared/runtime/aws-clients.js';
import {
  JobStartEnvironment,
  jobStartsOf,
  numberVariable,
  parseEnvironment,
  TableEnvironment,
} from '#shared/runtime/environment.js';
import { logger } from '#shared/runtime/logger.js';
import { observability } from '#shared/runtime/observability.js';
import { stepFunctionsClient } from '#shared/runtime/step-functions-client.js';
import * as z from '#shared/runtime/zod.js';
import { JobStore } from '#shared/store/job-store.js';
import { TransactionSyncStore } from '#shared/store/transaction-sync-store.js';

const RefreshEnvironment = z.extend(TableEnvironment, {
  ...JobStartEnvironment,
  [ENV.refreshAfterSeconds]: numberVariable(DEFAULT_REFRESH_AFTER_SECONDS, z.int(), z.gt(0)),
  [ENV.refreshBatchLimit]: numberVariable(DEFAULT_REFRESH_BATCH_LIMIT, z.int(), z.gt(0)),
});

let deps: RefreshMembersDeps | undefined;

/** EventBridge Scheduler, every few minutes: unattended syncs of the members whose data is due. */
export const handler: (event: unknown, context: Context) => Promise<RefreshOutcome> = middy()
  .use(observability())
  .handler(async () => {
    deps ??= refreshDeps(process.env);
    const outcome = await refreshMembers(deps);
    logger.info('members refreshed', { ...outcome });
    return outcome;
  });

function refreshDeps(env: NodeJS.ProcessEnv): RefreshMembersDeps {
  const e = parseEnvironment(RefreshEnvironment, env);
  const doc = documentClient();
  const jobs = new JobStore(doc, e[ENV.tableName]);
  const now = () => new Date();
  const starts = { jobs, sfn: stepFunctionsClient(), ...jobStartsOf(e), now };
  return {
    sync: new TransactionSyncStore(doc, e[ENV.tableName], {
      putResults: () => Promise.reject(new Error('the refresh writes no results')),
    }),
    startUnattended: async ({ userGuid, memberGuid, isOauth }) => {
      // Observe: MX refreshes members by itself daily; the sync takes what it gathered, asking MX
      // for no run (none that could raise MFA, none inside MX's throttle window).
      const request = {
        type: 'aggregate',
        userGuid,
        memberGuid,
        isOauth,
        observeOnly: true,
        unattended: true,
      } as const;
      return (await startJobExecution(starts, request)).started;
    },
    refreshAfterSeconds: e[ENV.refreshAfterSeconds],
    batchLimit: e[ENV.refreshBatchLimit],
    now,
  };
}

import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ENV, JOB_TYPES, type JobType, STATE_MACHINE_ARN_ENV } from '#shared/contract/workflow.js';
import {
  RECONCILE_AFTER_SECONDS,
  type ReconcileJobsDeps,
  type ReconcileJobsOutcome,
  reconcileJobs,
} from '#shared/jobs/reconcile-jobs.js';
import { documentClient } from '#shared/runtime/aws-clients.js';
import { logger } from '#shared/runtime/logger.js';
import { recordJobReconciled } from '#shared/runtime/metrics.js';
import { observability } from '#shared/runtime/observability.js';
import { stepFunctionsClient } from '#shared/runtime/step-functions-client.js';
import { JobStore } from '#shared/store/job-store.js';

type ReconcileCounts = Pick<ReconcileJobsOutcome, 'checked' | 'ended' | 'byReason'>;

let deps: (ReconcileJobsDeps & { readonly olderThanSeconds: number }) | undefined;

/** EventBridge Scheduler, every few minutes: ends the jobs whose execution ended, never started or is gone. */
export const handler: (event: unknown, context: Context) => Promise<ReconcileCounts> = middy()
  .use(observability())
  .handler(async () => {
    deps ??= reconcilerDeps(process.env);
    const outcome = await reconcileJobs(deps, { now: new Date(), olderThanSeconds: deps.olderThanSeconds });
    for (const job of outcome.endedJobs) {
      logger.warn('job reconciled', { ...job });
      recordJobReconciled(job);
    }
    for (const failure of outcome.failures) logger.error('job not reconciled', { ...failure });
    const { checked, ended, byReason } = outcome;
    logger.info('jobs reconciled', { checked, ended, byReason, failed: outcome.failures.length });
    return { checked, ended, byReason };
  });

function reconcilerDeps(env: NodeJS.ProcessEnv): ReconcileJobsDeps & { readonly olderThanSeconds: number } {
  const olderThanSeconds = Number(env[ENV.reconcileAfterSeconds] ?? RECONCILE_AFTER_SECONDS);
  const missing: string[] = [ENV.tableName, ...Object.values(STATE_MACHINE_ARN_ENV)].filter((name) => !env[name]);
  if (!(olderThanSeconds >= 0)) missing.push(ENV.reconcileAfterSeconds);
  if (missing.length) throw new Error(`the function's environment is incomplete or invalid: ${missing.join(', ')}`);
  const stateMachineArns = Object.fromEntries(
    JOB_TYPES.map((type) => [type, String(env[STATE_MACHINE_ARN_ENV[type]])]),
  ) as Record<JobType, string>;
  const jobs = new JobStore(documentClient(), String(env[ENV.tableName]));
  return {
    jobs,
    sfn: stepFunctionsClient(),
    stateMachineArns,
    olderThanSeconds,
  };
}

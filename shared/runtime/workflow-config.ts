import { DEFAULT_JOB_TIME_BUDGET } from '#shared/contract/time-budget.js';
import { ENV } from '#shared/contract/workflow.js';
import { DEFAULT_POLL_SCHEDULE, type PollSchedule } from '#shared/jobs/poll-schedule.js';
import { DEFAULT_REFRESH_AFTER_SECONDS } from '#shared/jobs/refresh-members.js';
import { CLEANUP_BUDGET_MS } from '#shared/store/result-store.js';
import { BaseEnvironment, mxConnectionOf, numberVariable, parseEnvironment } from './environment.js';
import type { MxConnection } from './mx-from-secret.js';
import * as z from './zod.js';

const positive = (fallback: number) => numberVariable(fallback, z.gt(0));

/**
 * Account streams FetchResults copies side by side: each writes its own partition (transactions
 * are spread by account), so a member's copy goes about this many times one partition's write
 * ceiling, while MX sees no more than this many list calls of the member at once.
 */
export const DEFAULT_FETCH_CONCURRENCY = 6;

/** The environment of the workflow functions; CDK sets it, the local runtime too. */
const WorkflowEnvironment = z.extend(BaseEnvironment, {
  [ENV.pollIntervalSeconds]: positive(DEFAULT_POLL_SCHEDULE.intervalSeconds),
  [ENV.pollBackoffAfterPolls]: numberVariable(DEFAULT_POLL_SCHEDULE.backoffAfterPolls, z.int(), z.gte(0)),
  [ENV.pollBackoffRate]: numberVariable(DEFAULT_POLL_SCHEDULE.backoffRate, z.gte(1)),
  [ENV.pollMaxIntervalSeconds]: positive(DEFAULT_POLL_SCHEDULE.maxIntervalSeconds),
  [ENV.pollMaxCount]: numberVariable(DEFAULT_POLL_SCHEDULE.maxPolls, z.int(), z.gt(0)),
  [ENV.oauthTimeoutSeconds]: positive(DEFAULT_POLL_SCHEDULE.oauthTimeoutSeconds),
  [ENV.challengeTimeoutSeconds]: positive(DEFAULT_JOB_TIME_BUDGET.challengeTimeoutSeconds),
  [ENV.fetchConcurrency]: numberVariable(DEFAULT_FETCH_CONCURRENCY, z.int(), z.gte(1), z.lte(10)),
  [ENV.resultsCleanupMs]: numberVariable(CLEANUP_BUDGET_MS, z.int(), z.gte(0)),
  [ENV.refreshAfterSeconds]: numberVariable(DEFAULT_REFRESH_AFTER_SECONDS, z.int(), z.gt(0)),
  [ENV.resultRetentionDays]: z.optional(z.coerce.number().check(z.int(), z.gte(1))),
});

export interface WorkflowConfig {
  readonly tableName: string;
  readonly mx: MxConnection;
  readonly schedule: PollSchedule;
  readonly fetchConcurrency: number;
  /** How long a publish deletes superseded results before it hands the rest to DeleteSupersededResults. */
  readonly resultsCleanupMs: number;
  /** The ParkForChallenge task's timeout: a parked challenge's answers are refused after it. */
  readonly challengeTimeoutSeconds: number;
  /** A synced member is due for the scheduled refresh once its data is this old. */
  readonly refreshAfterSeconds: number;
  /** Days account numbers and owners are kept after their copy; unset: until their member is deleted. */
  readonly resultRetentionDays: number | undefined;
}

export function readWorkflowConfig(env: NodeJS.ProcessEnv = process.env): WorkflowConfig {
  const e = parseEnvironment(WorkflowEnvironment, env);
  return {
    tableName: e[ENV.tableName],
    mx: mxConnectionOf(e),
    schedule: {
      intervalSeconds: e[ENV.pollIntervalSeconds],
      backoffAfterPolls: e[ENV.pollBackoffAfterPolls],
      backoffRate: e[ENV.pollBackoffRate],
      maxIntervalSeconds: e[ENV.pollMaxIntervalSeconds],
      maxPolls: e[ENV.pollMaxCount],
      oauthTimeoutSeconds: e[ENV.oauthTimeoutSeconds],
    },
    fetchConcurrency: e[ENV.fetchConcurrency],
    resultsCleanupMs: e[ENV.resultsCleanupMs],
    challengeTimeoutSeconds: e[ENV.challengeTimeoutSeconds],
    refreshAfterSeconds: e[ENV.refreshAfterSeconds],
    resultRetentionDays: e[ENV.resultRetentionDays],
  };
}

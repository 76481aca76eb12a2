import { z } from 'zod';
import { DEFAULT_POLL_SCHEDULE, type PollSchedule } from '#shared/jobs/poll-schedule.js';
import { BaseEnvironment, mxConnectionOf, parseEnvironment } from './environment.js';
import type { MxConnection } from './mx-from-secret.js';

const positive = z.coerce.number().positive();

/** The environment of the workflow functions; CDK sets it, the local runtime too. */
const WorkflowEnvironment = BaseEnvironment.extend({
  POLL_INTERVAL_SECONDS: positive.default(DEFAULT_POLL_SCHEDULE.intervalSeconds),
  POLL_BACKOFF_AFTER_POLLS: z.coerce.number().int().nonnegative().default(DEFAULT_POLL_SCHEDULE.backoffAfterPolls),
  POLL_BACKOFF_RATE: z.coerce.number().min(1).default(DEFAULT_POLL_SCHEDULE.backoffRate),
  POLL_MAX_INTERVAL_SECONDS: positive.default(DEFAULT_POLL_SCHEDULE.maxIntervalSeconds),
  POLL_MAX_COUNT: z.coerce.number().int().positive().default(DEFAULT_POLL_SCHEDULE.maxPolls),
  OAUTH_TIMEOUT_SECONDS: positive.default(DEFAULT_POLL_SCHEDULE.oauthTimeoutSeconds),
  FETCH_CONCURRENCY: z.coerce.number().int().min(1).max(10).default(3),
});

export interface WorkflowConfig {
  readonly tableName: string;
  readonly mx: MxConnection;
  readonly schedule: PollSchedule;
  readonly fetchConcurrency: number;
}

export function readWorkflowConfig(env: NodeJS.ProcessEnv = process.env): WorkflowConfig {
  const e = parseEnvironment(WorkflowEnvironment, env);
  return {
    tableName: e.TABLE_NAME,
    mx: mxConnectionOf(e),
    schedule: {
      intervalSeconds: e.POLL_INTERVAL_SECONDS,
      backoffAfterPolls: e.POLL_BACKOFF_AFTER_POLLS,
      backoffRate: e.POLL_BACKOFF_RATE,
      maxIntervalSeconds: e.POLL_MAX_INTERVAL_SECONDS,
      maxPolls: e.POLL_MAX_COUNT,
      oauthTimeoutSeconds: e.OAUTH_TIMEOUT_SECONDS,
    },
    fetchConcurrency: e.FETCH_CONCURRENCY,
  };
}

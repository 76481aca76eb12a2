import { z } from 'zod';
import { ENV } from '#shared/contract/workflow.js';
import { DEFAULT_POLL_SCHEDULE, type PollSchedule } from '#shared/jobs/poll-schedule.js';
import { BaseEnvironment, mxConnectionOf, parseEnvironment } from './environment.js';
import type { MxConnection } from './mx-from-secret.js';

const positive = z.coerce.number().positive();

/** The environment of the workflow functions; CDK sets it, the local runtime too. */
const WorkflowEnvironment = BaseEnvironment.extend({
  [ENV.pollIntervalSeconds]: positive.default(DEFAULT_POLL_SCHEDULE.intervalSeconds),
  [ENV.pollBackoffAfterPolls]: z.coerce.number().int().nonnegative().default(DEFAULT_POLL_SCHEDULE.backoffAfterPolls),
  [ENV.pollBackoffRate]: z.coerce.number().min(1).default(DEFAULT_POLL_SCHEDULE.backoffRate),
  [ENV.pollMaxIntervalSeconds]: positive.default(DEFAULT_POLL_SCHEDULE.maxIntervalSeconds),
  [ENV.pollMaxCount]: z.coerce.number().int().positive().default(DEFAULT_POLL_SCHEDULE.maxPolls),
  [ENV.oauthTimeoutSeconds]: positive.default(DEFAULT_POLL_SCHEDULE.oauthTimeoutSeconds),
  [ENV.fetchConcurrency]: z.coerce.number().int().min(1).max(10).default(3),
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
  };
}

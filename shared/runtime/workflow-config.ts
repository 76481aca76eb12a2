import { z } from 'zod';
import { DEFAULT_POLL_SCHEDULE, type PollSchedule } from '../jobs/poll-schedule.js';
import type { MxDialect } from '../mx/index.js';

const positive = z.coerce.number().positive();

/** The environment the workflow functions run in; CDK sets it, the local runtime too. */
const WorkflowEnvironment = z.object({
  TABLE_NAME: z.string().min(1),
  MX_SECRET_ID: z.string().min(1),
  /** Overrides the base URL stored in the secret (the CDK stack sets it per MX environment). */
  MX_BASE_URL: z.url().optional(),
  MX_DIALECT: z.enum(['platform', 'atrium']).default('platform'),
  MX_TIMEOUT_MS: positive.default(10_000),
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
  readonly mxSecretId: string;
  readonly mxBaseUrl: string | undefined;
  readonly mxDialect: MxDialect;
  readonly mxTimeoutMs: number;
  readonly schedule: PollSchedule;
  readonly fetchConcurrency: number;
}

export function readWorkflowConfig(env: NodeJS.ProcessEnv = process.env): WorkflowConfig {
  const parsed = WorkflowEnvironment.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new Error(`the workflow environment is incomplete or invalid: ${fields}`);
  }
  const e = parsed.data;
  return {
    tableName: e.TABLE_NAME,
    mxSecretId: e.MX_SECRET_ID,
    mxBaseUrl: e.MX_BASE_URL,
    mxDialect: e.MX_DIALECT,
    mxTimeoutMs: e.MX_TIMEOUT_MS,
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

import { DEFAULT_JOB_TIME_BUDGET, jobTimeLimits } from '#shared/contract/time-budget.js';
import { ENV, JOB_TYPES, type JobType, STATE_MACHINE_ARN_ENV } from '#shared/contract/workflow.js';
import type { MxConnection } from './mx-from-secret.js';
import * as z from './zod.js';

const name = z.string().check(z.minLength(1));

/** A number from the environment that passes `checks`, `fallback` when the variable is not set. */
export const numberVariable = (fallback: number, ...checks: z.core.$ZodCheck<number>[]) =>
  z._default(z.coerce.number().check(...checks), fallback);

/** The table every function reads and writes. */
export const TableEnvironment = z.object({ [ENV.tableName]: name });

/** What every function that talks to MX and DynamoDB needs from its environment. */
export const BaseEnvironment = z.extend(TableEnvironment, {
  [ENV.mxSecretId]: name,
  /** Overrides the base URL stored in the secret (the CDK stack sets it per MX environment). */
  [ENV.mxBaseUrl]: z.optional(z.url()),
  [ENV.mxDialect]: z._default(z.enum(['platform', 'atrium']), 'platform'),
  [ENV.mxTimeoutMs]: numberVariable(10_000, z.gt(0)),
});

/**
 * What a function that starts job executions needs: every job type's state machine (a start
 * repeated after a crash starts whichever job holds the member), and how long a member stays
 * locked if its job dies without freeing it (past the execution timeout).
 */
export const JobStartEnvironment = {
  ...(Object.fromEntries(JOB_TYPES.map((type) => [STATE_MACHINE_ARN_ENV[type], name])) as Record<
    (typeof STATE_MACHINE_ARN_ENV)[JobType],
    typeof name
  >),
  [ENV.jobLockSeconds]: numberVariable(jobTimeLimits(DEFAULT_JOB_TIME_BUDGET).lockSeconds, z.int(), z.gt(0)),
};

/** The state machines and lock time of a parsed JobStartEnvironment, as startJobExecution takes them. */
export function jobStartsOf(env: Record<string, unknown>): {
  stateMachineArns: Record<JobType, string>;
  lockSeconds: number;
} {
  const stateMachineArns = Object.fromEntries(
    JOB_TYPES.map((type) => [type, String(env[STATE_MACHINE_ARN_ENV[type]])]),
  );
  return {
    stateMachineArns: stateMachineArns as Record<JobType, string>,
    lockSeconds: Number(env[ENV.jobLockSeconds]),
  };
}

/** Parses the environment, naming only the variables that are missing or wrong. */
export function parseEnvironment<S extends z.ZodMiniType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const names = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new Error(`the function's environment is incomplete or invalid: ${names}`);
  }
  return parsed.data;
}

export function mxConnectionOf(env: z.output<typeof BaseEnvironment>): MxConnection {
  return {
    secretId: env[ENV.mxSecretId],
    baseUrl: env[ENV.mxBaseUrl],
    dialect: env[ENV.mxDialect],
    timeoutMs: env[ENV.mxTimeoutMs],
  };
}

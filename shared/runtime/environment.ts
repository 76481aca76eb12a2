import { z } from 'zod';
import { ENV } from '#shared/contract/workflow.js';
import type { MxConnection } from './mx-from-secret.js';

/** The table every function reads and writes. */
export const TableEnvironment = z.object({ [ENV.tableName]: z.string().min(1) });

/** What every function that talks to MX and DynamoDB needs from its environment. */
export const BaseEnvironment = TableEnvironment.extend({
  [ENV.mxSecretId]: z.string().min(1),
  /** Overrides the base URL stored in the secret (the CDK stack sets it per MX environment). */
  [ENV.mxBaseUrl]: z.url().optional(),
  [ENV.mxDialect]: z.enum(['platform', 'atrium']).default('platform'),
  [ENV.mxTimeoutMs]: z.coerce.number().positive().default(10_000),
});

/** Parses the environment, naming only the variables that are missing or wrong. */
export function parseEnvironment<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
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

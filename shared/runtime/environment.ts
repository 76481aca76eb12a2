import { ENV } from '#shared/contract/workflow.js';
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

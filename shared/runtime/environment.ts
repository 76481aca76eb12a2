import { z } from 'zod';
import type { MxConnection } from './mx-from-secret.js';

/** What every function that talks to MX and DynamoDB needs from its environment. */
export const BaseEnvironment = z.object({
  TABLE_NAME: z.string().min(1),
  MX_SECRET_ID: z.string().min(1),
  /** Overrides the base URL stored in the secret (the CDK stack sets it per MX environment). */
  MX_BASE_URL: z.url().optional(),
  MX_DIALECT: z.enum(['platform', 'atrium']).default('platform'),
  MX_TIMEOUT_MS: z.coerce.number().positive().default(10_000),
});

/** Parses the environment, naming only the variables that are missing or wrong. */
export function parseEnvironment<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`the function's environment is incomplete or invalid: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  }
  return parsed.data;
}

export function mxConnectionOf(env: z.output<typeof BaseEnvironment>): MxConnection {
  return { secretId: env.MX_SECRET_ID, baseUrl: env.MX_BASE_URL, dialect: env.MX_DIALECT, timeoutMs: env.MX_TIMEOUT_MS };
}

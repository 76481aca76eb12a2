import { z } from 'zod';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { JobType } from '#shared/jobs/job-types.js';
import { stepFunctionsTaskTokens, type TaskTokens } from '#shared/jobs/task-tokens.js';
import type { MxClient } from '#shared/mx/index.js';
import { IdempotencyStore } from '#shared/store/idempotency-store.js';
import { JobStore } from '#shared/store/job-store.js';
import { MemberStore } from '#shared/store/member-store.js';
import { ResultStore } from '#shared/store/result-store.js';
import { UserStore } from '#shared/store/user-store.js';
import { documentClient, stepFunctionsClient } from './aws-clients.js';
import { BaseEnvironment, mxConnectionOf, parseEnvironment } from './environment.js';
import { mxClientFromSecret } from './mx-from-secret.js';

/** The API's default time limit of one MX call (the workflow functions have their own, MX_TIMEOUT_MS). */
export const API_MX_TIMEOUT_MS = 6_000;

const ApiEnvironment = BaseEnvironment.extend({
  AGGREGATE_STATE_MACHINE_ARN: z.string().min(1),
  VERIFY_STATE_MACHINE_ARN: z.string().min(1),
  IDENTIFY_STATE_MACHINE_ARN: z.string().min(1),
  /** A member stays locked this long if its job dies without freeing it: past the execution timeout. */
  JOB_LOCK_SECONDS: z.coerce.number().int().positive().default(3 * 3600),
  /** Each MX call of a request: short enough that a route's MX calls fit inside API Gateway's 29 s. */
  API_MX_TIMEOUT_MS: z.coerce.number().int().positive().default(API_MX_TIMEOUT_MS),
});

/** What the API operations work with. MX is reached lazily: reads never touch it. */
export interface ApiDeps {
  mx(): Promise<MxClient>;
  readonly users: UserStore;
  readonly members: MemberStore;
  readonly jobs: JobStore;
  readonly results: ResultStore;
  readonly idempotency: IdempotencyStore;
  readonly sfn: SFNClient;
  readonly taskTokens: TaskTokens;
  readonly stateMachineArns: Readonly<Record<JobType, string>>;
  readonly lockSeconds: number;
  now(): Date;
}

let deps: ApiDeps | undefined;

/** Built once per container on first use, so a bad environment fails a request clearly. */
export function apiDeps(): ApiDeps {
  if (!deps) {
    const env = parseEnvironment(ApiEnvironment, process.env);
    const doc = documentClient();
    const sfn = stepFunctionsClient();
    // The workflow functions wait longer and retry pages; a request does neither (its caller retries).
    const connection = { ...mxConnectionOf(env), timeoutMs: env.API_MX_TIMEOUT_MS, pageRetries: 0 };
    deps = {
      mx: () => mxClientFromSecret(connection),
      users: new UserStore(doc, env.TABLE_NAME),
      members: new MemberStore(doc, env.TABLE_NAME),
      jobs: new JobStore(doc, env.TABLE_NAME),
      results: new ResultStore(doc, env.TABLE_NAME),
      idempotency: new IdempotencyStore(doc, env.TABLE_NAME),
      sfn,
      taskTokens: stepFunctionsTaskTokens(sfn),
      stateMachineArns: {
        aggregate: env.AGGREGATE_STATE_MACHINE_ARN,
        verify: env.VERIFY_STATE_MACHINE_ARN,
        identify: env.IDENTIFY_STATE_MACHINE_ARN,
      },
      lockSeconds: env.JOB_LOCK_SECONDS,
      now: () => new Date(),
    };
  }
  return deps;
}

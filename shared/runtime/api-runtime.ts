import type { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { ENV, type JobType, STATE_MACHINE_ARN_ENV } from '#shared/contract/workflow.js';
import { stepFunctionsTaskTokens, type TaskTokens } from '#shared/jobs/task-tokens.js';
import type { MxClient } from '#shared/mx/index.js';
import { IdempotencyStore } from '#shared/store/idempotency-store.js';
import { JobStore } from '#shared/store/job-store.js';
import { MemberStore } from '#shared/store/member-store.js';
import { ResultStore } from '#shared/store/result-store.js';
import { UserStore } from '#shared/store/user-store.js';
import { documentClient } from './aws-clients.js';
import { BaseEnvironment, mxConnectionOf, parseEnvironment } from './environment.js';
import { mxClientFromSecret } from './mx-from-secret.js';
import { stepFunctionsClient } from './step-functions-client.js';

/** The API's default time limit of one MX call (the workflow functions have their own, MX_TIMEOUT_MS). */
export const API_MX_TIMEOUT_MS = 6_000;

const ApiEnvironment = BaseEnvironment.extend({
  [STATE_MACHINE_ARN_ENV.aggregate]: z.string().min(1),
  [STATE_MACHINE_ARN_ENV.verify]: z.string().min(1),
  [STATE_MACHINE_ARN_ENV.identify]: z.string().min(1),
  /** A member stays locked this long if its job dies without freeing it: past the execution timeout. */
  [ENV.jobLockSeconds]: z.coerce
    .number()
    .int()
    .positive()
    .default(3 * 3600),
  /** Each MX call of a request: short enough that a route's MX calls fit inside API Gateway's 29 s. */
  [ENV.apiMxTimeoutMs]: z.coerce.number().int().positive().default(API_MX_TIMEOUT_MS),
});

/** A store's public methods: what an operation may call, and what an in-memory fake implements. */
type StoreApi<T> = Pick<T, keyof T>;

/** What the API operations work with. MX is reached lazily: reads never touch it. */
export interface ApiDeps {
  mx(): Promise<MxClient>;
  readonly users: StoreApi<UserStore>;
  readonly members: StoreApi<MemberStore>;
  readonly jobs: StoreApi<JobStore>;
  readonly results: StoreApi<ResultStore>;
  readonly idempotency: StoreApi<IdempotencyStore>;
  /** Starts executions only. */
  readonly sfn: Pick<SFNClient, 'send'>;
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
    const connection = { ...mxConnectionOf(env), timeoutMs: env[ENV.apiMxTimeoutMs], pageRetries: 0 };
    deps = {
      mx: () => mxClientFromSecret(connection),
      users: new UserStore(doc, env[ENV.tableName]),
      members: new MemberStore(doc, env[ENV.tableName]),
      jobs: new JobStore(doc, env[ENV.tableName]),
      results: new ResultStore(doc, env[ENV.tableName]),
      idempotency: new IdempotencyStore(doc, env[ENV.tableName]),
      sfn,
      taskTokens: stepFunctionsTaskTokens(sfn),
      stateMachineArns: {
        aggregate: env[STATE_MACHINE_ARN_ENV.aggregate],
        verify: env[STATE_MACHINE_ARN_ENV.verify],
        identify: env[STATE_MACHINE_ARN_ENV.identify],
      },
      lockSeconds: env[ENV.jobLockSeconds],
      now: () => new Date(),
    };
  }
  return deps;
}

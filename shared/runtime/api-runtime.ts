import type { SFNClient } from '@aws-sdk/client-sfn';
import type { BasicCredentials } from '#shared/api/basic-auth.js';
import type { CursorKeys } from '#shared/api/cursor.js';
import { parseAppSchemes } from '#shared/api/redirect-url.js';
import { ENV, type JobType } from '#shared/contract/workflow.js';
import type { TaskTokens } from '#shared/jobs/task-tokens.js';
import type { MxClient } from '#shared/mx/index.js';
import { DeletionStore } from '#shared/store/deletion-store.js';
import { IdempotencyStore } from '#shared/store/idempotency-store.js';
import { JobStore } from '#shared/store/job-store.js';
import { MemberStore } from '#shared/store/member-store.js';
import { type ResultFieldCipher, ResultStore } from '#shared/store/result-store.js';
import { TransactionSyncStore } from '#shared/store/transaction-sync-store.js';
import { UserStore } from '#shared/store/user-store.js';
import { WebhookInbox } from '#shared/store/webhook-inbox.js';
import { documentClient } from './aws-clients.js';
import { cursorKeysFromSecret } from './cursor-secret.js';
import {
  BaseEnvironment,
  JobStartEnvironment,
  jobStartsOf,
  mxConnectionOf,
  numberVariable,
  parseEnvironment,
} from './environment.js';
import { mxClientFromSecret } from './mx-from-secret.js';
import { clientTaskTokens, stepFunctionsClient } from './step-functions-client.js';
import { webhookCredentialsFromSecret } from './webhook-secret.js';
import * as z from './zod.js';

/** The API's default time limit of one MX call (the workflow functions have their own, MX_TIMEOUT_MS). */
export const API_MX_TIMEOUT_MS = 6_000;

const ApiEnvironment = z.extend(BaseEnvironment, {
  ...JobStartEnvironment,
  /** Each MX call of a request: short enough that a route's MX calls fit inside API Gateway's 29 s. */
  [ENV.apiMxTimeoutMs]: numberVariable(API_MX_TIMEOUT_MS, z.int(), z.gt(0)),
  /** The deletion workflow, started by DELETE of a user or a member. */
  [ENV.deletionStateMachineArn]: z.string().check(z.minLength(1)),
  /** The HTTP Basic credentials MX's webhooks carry; unset where the stack receives no webhooks. */
  [ENV.mxWebhookSecretId]: z.optional(z.string().check(z.minLength(1))),
  /** The key that seals cursors; set for the functions that page (jobs, results) only. */
  [ENV.cursorSecretId]: z.optional(z.string().check(z.minLength(1))),
  /** App schemes a client_redirect_url may use besides https (`myapp,otherapp`); unset: https only. */
  [ENV.clientRedirectSchemes]: z.optional(z.string()),
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
  /** Where a member's transactions stand against MX, and the changes each sync made (the change feed). */
  readonly transactionSync: Pick<TransactionSyncStore, 'state' | 'listChanges'>;
  readonly idempotency: StoreApi<IdempotencyStore>;
  /** MX's webhook deliveries, stored before the receiver answers. */
  readonly webhookInbox: StoreApi<WebhookInbox>;
  /** What MX's webhooks must carry (the webhook secret); refuses when the stack receives none. */
  webhookCredentials(): Promise<BasicCredentials>;
  /** The keys that seal page and sync cursors (the cursor secret); refuses in a function that does not page. */
  cursorKeys(): Promise<CursorKeys>;
  /** The app schemes a client_redirect_url may use besides https (CLIENT_REDIRECT_SCHEMES). */
  readonly clientRedirectSchemes: readonly string[];
  /** Starts executions only. */
  readonly sfn: Pick<SFNClient, 'send'>;
  readonly taskTokens: TaskTokens;
  readonly stateMachineArns: Readonly<Record<JobType, string>>;
  /** Deletions of users and members, and their workflow's state machine. */
  readonly deletions: StoreApi<DeletionStore>;
  readonly deletionStateMachineArn: string;
  readonly lockSeconds: number;
  now(): Date;
}

/** How an API function reaches Step Functions: to start executions and to send task tokens. */
type StepFunctionsDeps = Pick<ApiDeps, 'sfn' | 'taskTokens'>;

const refused = () => Promise.reject(new Error('this API function neither starts executions nor sends task tokens'));

/** What an API function whose operations never call Step Functions has in its place: a call is a wiring mistake. */
const NO_STEP_FUNCTIONS: StepFunctionsDeps = {
  sfn: { send: refused },
  taskTokens: { succeed: refused, fail: refused },
};

/**
 * The deps of an API function, built once per container on first use, so a bad environment
 * fails a request clearly. Step Functions' client is the handler's choice (`stepFunctions`), and
 * so is the result fields' cipher (`fields`: only the results function decrypts).
 */
const apiDepsOf = (
  stepFunctions: () => StepFunctionsDeps = () => NO_STEP_FUNCTIONS,
  fields?: () => ResultFieldCipher,
) => {
  let deps: ApiDeps | undefined;
  return (): ApiDeps => {
    if (!deps) {
      const env = parseEnvironment(ApiEnvironment, process.env);
      const doc = documentClient();
      // The workflow functions wait longer and retry pages; a request does neither (its caller retries).
      const connection = { ...mxConnectionOf(env), timeoutMs: env[ENV.apiMxTimeoutMs], pageRetries: 0 };
      deps = {
        mx: () => mxClientFromSecret(connection),
        users: new UserStore(doc, env[ENV.tableName]),
        members: new MemberStore(doc, env[ENV.tableName]),
        jobs: new JobStore(doc, env[ENV.tableName]),
        results: new ResultStore(doc, env[ENV.tableName], fields ? { fields: fields() } : {}),
        // The API reads the sync state and the change feed; only the workflow writes results.
        transactionSync: new TransactionSyncStore(doc, env[ENV.tableName], {
          putResults: () => Promise.reject(new Error('the API writes no results')),
        }),
        idempotency: new IdempotencyStore(doc, env[ENV.tableName]),
        webhookInbox: new WebhookInbox(doc, env[ENV.tableName]),
        webhookCredentials: () => {
          const secretId = env[ENV.mxWebhookSecretId];
          if (secretId === undefined)
            throw new Error(`${ENV.mxWebhookSecretId} is not set: this stack takes no webhooks`);
          return webhookCredentialsFromSecret(secretId);
        },
        clientRedirectSchemes: parseAppSchemes(env[ENV.clientRedirectSchemes]),
        cursorKeys: () => {
          const secretId = env[ENV.cursorSecretId];
          if (secretId === undefined)
            return Promise.reject(new Error(`${ENV.cursorSecretId} is not set: this function does not page`));
          return cursorKeysFromSecret(secretId);
        },
        deletions: new DeletionStore(doc, env[ENV.tableName]),
        deletionStateMachineArn: env[ENV.deletionStateMachineArn],
        ...stepFunctions(),
        ...jobStartsOf(env),
        now: () => new Date(),
      };
    }
    return deps;
  };
};

/**
 * The deps of the API functions that start executions or answer challenges (jobs, members, and users, whose deletion starts one).
 * Only their bundles carry Step Functions' client: `@__PURE__` lets esbuild leave out this
 * export, and the client with it, where it is unused.
 */
export const jobApiDeps = /* @__PURE__ */ apiDepsOf(() => ({
  sfn: stepFunctionsClient(),
  taskTokens: clientTaskTokens(),
}));

/** The deps of the API functions that call no Step Functions (users, institutions, webhooks). */
export const apiDeps = /* @__PURE__ */ apiDepsOf();

/**
 * The results function's deps, with the cipher that decrypts account numbers and owners. Its
 * handler passes the cipher (openingFieldCipher), so only its bundle carries the Encryption SDK.
 */
export const resultApiDeps = (fields: () => ResultFieldCipher) => apiDepsOf(undefined, fields);

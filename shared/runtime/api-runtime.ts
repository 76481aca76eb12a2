import type { SFNClient } from '@aws-sdk/client-sfn';
import type { BasicCredentials } from '#shared/api/basic-auth.js';
import type { CursorKeys } from '#shared/api/cursor.js';
import { parseAppSchemes } from '#shared/api/redirect-url.js';
import { ENV, type JobType } from '#shared/contract/workflow.js';
import type { FieldCipherUse } from '#shared/crypto/field-cipher.js';
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

/** The field cipher of each store that seals or opens, as the function may use the key (FIELD_KEY_ACCESS). */
interface StoreCiphers {
  readonly results?: () => ResultFieldCipher;
  readonly users?: () => FieldCipherUse;
  readonly members?: () => FieldCipherUse;
  readonly answers?: () => FieldCipherUse;
}

/**
 * The deps of an API function, built once per container on first use, so a bad environment
 * fails a request clearly. Step Functions' client is the handler's choice (`stepFunctions`), and
 * so are the stores' field ciphers (`ciphers`: only the functions that may use the key have one).
 */
const apiDepsOf = (stepFunctions: () => StepFunctionsDeps = () => NO_STEP_FUNCTIONS, ciphers: StoreCiphers = {}) => {
  let deps: ApiDeps | undefined;
  return (): ApiDeps => {
    if (!deps) {
      const env = parseEnvironment(ApiEnvironment, process.env);
      const doc = documentClient();
      // The workflow functions wait longer and retry pages; a request does neither (its caller retries).
      const connection = { ...mxConnectionOf(env), timeoutMs: env[ENV.apiMxTimeoutMs], pageRetries: 0 };
      deps = {
        mx: () => mxClientFromSecret(connection),
        users: new UserStore(doc, env[ENV.tableName], ciphers.users?.()),
        members: new MemberStore(doc, env[ENV.tableName], ciphers.members?.()),
        jobs: new JobStore(doc, env[ENV.tableName]),
        results: new ResultStore(doc, env[ENV.tableName], ciphers.results ? { fields: ciphers.results() } : {}),
        // The API reads the sync state and the change feed; only the workflow writes results.
        transactionSync: new TransactionSyncStore(doc, env[ENV.tableName], {
          putResults: () => Promise.reject(new Error('the API writes no results')),
        }),
        idempotency: new IdempotencyStore(doc, env[ENV.tableName], ciphers.answers?.()),
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
 * What the API functions that start executions or answer challenges (jobs, members, and users,
 * whose deletion starts one) reach Step Functions with. Only their bundles carry its client.
 */
const withStepFunctions = (): StepFunctionsDeps => ({ sfn: stepFunctionsClient(), taskTokens: clientTaskTokens() });

/**
 * The deps of the users function: it seals a user's email and metadata and opens them to answer.
 * Each handler passes its cipher (shared/runtime/field-keyring.ts), so only the bundles of the
 * functions that use the field key carry the Encryption SDK.
 */
export const userApiDeps = (fields: () => FieldCipherUse) => apiDepsOf(withStepFunctions, { users: fields });

/** The deps of the members function: it seals and opens a member's metadata, and its kept answers that show it. */
export const memberApiDeps = (fields: () => FieldCipherUse) =>
  apiDepsOf(withStepFunctions, { members: fields, answers: fields });

/** The deps of the jobs function: it only seals, the metadata of a member it adopts from MX. */
export const jobApiDeps = (fields: () => FieldCipherUse) => apiDepsOf(withStepFunctions, { members: fields });

/** The deps of the API functions that call no Step Functions and use no field key (institutions, webhooks). */
export const apiDeps = /* @__PURE__ */ apiDepsOf();

/** The results function's deps, with the cipher that decrypts account numbers and owners (openingFieldCipher). */
export const resultApiDeps = (fields: () => ResultFieldCipher) => apiDepsOf(undefined, { results: fields });

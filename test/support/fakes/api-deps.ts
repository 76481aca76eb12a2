import { toProxyEvent } from '#local/api-gateway/proxy-event.js';
import { lambdaContext } from '#local/lambda-context.js';
import { API_FUNCTION_SIZE } from '#shared/api/api-functions.js';
import { apiHandler } from '#shared/api/api-handler.js';
import { type CursorKeys, cursorKeyOf } from '#shared/api/cursor.js';
import { institutionOperations } from '#shared/api/operations/institutions.js';
import { jobOperations } from '#shared/api/operations/jobs.js';
import { memberOperations } from '#shared/api/operations/members.js';
import { resultOperations } from '#shared/api/operations/results.js';
import { userOperations } from '#shared/api/operations/users.js';
import { webhookOperations } from '#shared/api/operations/webhooks.js';
import type { ApiFunction } from '#shared/api/routes.js';
import type { MxClient } from '#shared/mx/index.js';
import type { ApiDeps } from '#shared/runtime/api-runtime.js';
import type { MemberRecord } from '#shared/store/member-store.js';
import type { UserRecord } from '#shared/store/user-store.js';
import { InMemoryDeletionStore } from './deletion-store.js';
import { InMemoryIdempotencyStore } from './idempotency-store.js';
import { InMemoryJobStore } from './job-store.js';
import { InMemoryMemberStore } from './member-store.js';
import { InMemoryResultStore } from './result-store.js';
import { FakeStepFunctions } from './sfn.js';
import { FakeTaskTokens } from './task-tokens.js';
import { InMemoryUserStore } from './user-store.js';
import { InMemoryWebhookInbox } from './webhook-inbox.js';

/** The Basic credentials the fake deps' webhook secret holds. */
export const WEBHOOK_CREDENTIALS = { username: 'mx', password: 'webhook-test-password' } as const;

/**
 * MX as one test scripts it: the methods the operation under test calls. Any other call fails
 * the test by name, so a test also proves what the operation does not ask of MX.
 */
export function scriptedMx(methods: Partial<MxClient>, calls: string[] = []): MxClient {
  return new Proxy(methods, {
    get(target, name) {
      if (name === 'then') return undefined;
      if (name === 'dialect') return target.dialect ?? 'platform';
      const method = target[name as keyof MxClient];
      if (typeof method !== 'function') throw new Error(`MX.${String(name)} was called but not scripted`);
      return (...args: unknown[]) => {
        calls.push(String(name));
        return (method as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as MxClient;
}

export const NOW = new Date('2026-12-01T12:00:00.000Z');

/** The keys the fake API seals its cursors with: a test's forged cursor is sealed with others, or none. */
export const CURSOR_KEYS: CursorKeys = { current: cursorKeyOf('test-cursor-key-0123456789abcdefghijkl') };

export interface FakeApiDeps extends ApiDeps {
  readonly users: InMemoryUserStore;
  readonly members: InMemoryMemberStore;
  readonly jobs: InMemoryJobStore;
  readonly results: InMemoryResultStore;
  readonly idempotency: InMemoryIdempotencyStore;
  readonly webhookInbox: InMemoryWebhookInbox;
  readonly deletions: InMemoryDeletionStore;
  readonly sfn: FakeStepFunctions;
  readonly taskTokens: FakeTaskTokens;
  /** The MX methods called, in order. */
  readonly mxCalls: string[];
}

/** ApiDeps in memory: stores seeded with `users` and `members`, MX scripted per test. */
export function fakeApiDeps(
  seed: {
    users?: readonly UserRecord[];
    members?: readonly MemberRecord[];
    mx?: Partial<MxClient>;
    now?: Date;
    clientRedirectSchemes?: readonly string[];
  } = {},
): FakeApiDeps {
  const mxCalls: string[] = [];
  const mx = scriptedMx(seed.mx ?? {}, mxCalls);
  const now = seed.now ?? NOW;
  const users = new InMemoryUserStore(seed.users);
  const members = new InMemoryMemberStore(seed.members);
  return {
    mx: async () => mx,
    users,
    members,
    deletions: new InMemoryDeletionStore(users, members),
    deletionStateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:deletion',
    jobs: new InMemoryJobStore(),
    results: new InMemoryResultStore(),
    // No member here was synced: the change feed has no position yet.
    transactionSync: {
      state: async () => undefined,
      listChanges: async (_member, from) => ({ changes: [], next: from, more: false }),
    },
    idempotency: new InMemoryIdempotencyStore(),
    webhookInbox: new InMemoryWebhookInbox(),
    webhookCredentials: async () => WEBHOOK_CREDENTIALS,
    cursorKeys: async () => CURSOR_KEYS,
    clientRedirectSchemes: seed.clientRedirectSchemes ?? [],
    sfn: new FakeStepFunctions(),
    taskTokens: new FakeTaskTokens(),
    stateMachineArns: {
      aggregate: 'arn:aws:states:us-east-1:123456789012:stateMachine:aggregate',
      verify: 'arn:aws:states:us-east-1:123456789012:stateMachine:verify',
      identify: 'arn:aws:states:us-east-1:123456789012:stateMachine:identify',
      history: 'arn:aws:states:us-east-1:123456789012:stateMachine:history',
    },
    lockSeconds: 3 * 3600,
    now: () => now,
    mxCalls,
  };
}

/** A user as the API stores it. */
export const aUser = (guid = 'USR-1', extra: Partial<UserRecord> = {}): UserRecord => ({
  guid,
  id: null,
  email: null,
  metadata: null,
  created_at: '2026-11-30T00:00:00.000Z',
  ...extra,
});

/** A member as the API stores it. */
export const aMember = (guid = 'MBR-1', userGuid = 'USR-1', extra: Partial<MemberRecord> = {}): MemberRecord => ({
  guid,
  user_guid: userGuid,
  institution_code: 'mxbank',
  id: null,
  metadata: null,
  is_oauth: false,
  oauth_window_uri: null,
  connection_status: 'CONNECTED',
  created_at: '2026-11-30T00:00:00.000Z',
  updated_at: '2026-11-30T00:00:00.000Z',
  ...extra,
});

/** Each family's real handler over these deps: what API Gateway would invoke, in-process. */
export function apiHandlersOver(deps: ApiDeps): Record<ApiFunction, ReturnType<typeof apiHandler>> {
  const over = () => deps;
  return {
    users: apiHandler('users', userOperations, over),
    institutions: apiHandler('institutions', institutionOperations, over),
    members: apiHandler('members', memberOperations, over),
    jobs: apiHandler('jobs', jobOperations, over),
    results: apiHandler('results', resultOperations, over),
    webhooks: apiHandler('webhooks', webhookOperations, over),
  };
}

export interface InProcessAnswer {
  readonly status: number;
  readonly headers: Record<string, unknown>;
  readonly body: any;
}

/**
 * A request as the local gateway turns it into a proxy event, answered by the route's real
 * handler over in-memory deps: the API's decisions without DynamoDB or HTTP.
 */
export async function callApi(
  handlers: Record<ApiFunction, ReturnType<typeof apiHandler>>,
  method: string,
  url: string,
  { json, raw, headers = {} }: { json?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<InProcessAnswer> {
  const body = json === undefined ? (raw ?? '') : JSON.stringify(json);
  const sent = { ...(json === undefined ? {} : { 'content-type': 'application/json' }), ...headers };
  const matched = toProxyEvent({ method, url, headers: sent, body });
  if (!matched) throw new Error(`no route for ${method} ${url}`);
  const family = matched.route.function;
  const context = lambdaContext(`api-${family}`, API_FUNCTION_SIZE.memoryMb, API_FUNCTION_SIZE.timeoutSeconds);
  const result = await handlers[family](matched.event, context);
  return {
    status: result.statusCode,
    headers: result.headers ?? {},
    body: result.body === '' ? undefined : JSON.parse(result.body),
  };
}

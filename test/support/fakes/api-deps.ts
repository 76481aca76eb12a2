import { toProxyEvent } from '#local/api-gateway/proxy-event.js';
import { lambdaContext } from '#local/lambda-context.js';
import { API_FUNCTION_SIZE } from '#shared/api/api-functions.js';
import { apiHandler } from '#shared/api/api-handler.js';
import { institutionOperations } from '#shared/api/operations/institutions.js';
import { jobOperations } from '#shared/api/operations/jobs.js';
import { memberOperations } from '#shared/api/operations/members.js';
import { resultOperations } from '#shared/api/operations/results.js';
import { userOperations } from '#shared/api/operations/users.js';
import type { ApiFunction } from '#shared/api/routes.js';
import type { JobType } from '#shared/contract/workflow.js';
import type { TaskTokens } from '#shared/jobs/task-tokens.js';
import type { MxClient } from '#shared/mx/index.js';
import type { ApiDeps } from '#shared/runtime/api-runtime.js';
import type { JobRecord, MemberLock } from '#shared/store/job-record.js';
import { type JobStore, MemberBusyError, type NewJob } from '#shared/store/job-store.js';
import type { ResultKind } from '#shared/store/keys.js';
import type { MemberRecord } from '#shared/store/member-store.js';
import type { ResultQuery, ResultStore } from '#shared/store/result-store.js';
import type { UserRecord } from '#shared/store/user-store.js';
import { InMemoryIdempotencyStore } from './idempotency-store.js';
import { InMemoryJobStore } from './job-store.js';
import { InMemoryMemberStore } from './member-store.js';
import { FakeStepFunctions } from './sfn.js';
import { InMemoryUserStore } from './user-store.js';

/** The workflow's job store fake, plus what the API does with jobs: starting one under the member's lock, and lists. */
export class ApiJobStore extends InMemoryJobStore implements Pick<JobStore, keyof JobStore> {
  readonly locks = new Map<string, MemberLock>();
  private readonly guidsOfMember = new Map<string, string[]>();

  override add(
    job: { jobGuid: string; userGuid: string; memberGuid: string; type: JobType },
    extra: Partial<JobRecord> = {},
  ) {
    const guids = this.guidsOfMember.get(job.memberGuid) ?? [];
    this.guidsOfMember.set(job.memberGuid, [...guids, job.jobGuid]);
    return super.add(job, extra);
  }

  /** A member held by a running job, as a start takes its lock. */
  lock(memberGuid: string, lock: MemberLock): void {
    this.locks.set(memberGuid, lock);
  }

  async createJob(job: NewJob): Promise<JobRecord> {
    const nowSeconds = Math.floor(job.now.getTime() / 1000);
    const held = this.locks.get(job.memberGuid);
    if (held && held.expires_at >= nowSeconds) throw new MemberBusyError(held);
    this.lock(job.memberGuid, { job_guid: job.jobGuid, job_type: job.type, expires_at: nowSeconds + job.lockSeconds });
    const at = job.now.toISOString();
    return this.add(job, {
      created_at: at,
      updated_at: at,
      history: [{ at, status: 'RUNNING', connection_status: null }],
    });
  }

  async getLock(memberGuid: string): Promise<MemberLock | undefined> {
    return this.locks.get(memberGuid);
  }

  async listJobs(memberGuid: string, options: { limit?: number; startKey?: Record<string, unknown> } = {}) {
    // Job guids sort by time: newest first, as the table's query answers.
    const guids = [...(this.guidsOfMember.get(memberGuid) ?? [])].sort().reverse();
    const items = guids.map((guid) => this.job(memberGuid, guid)).filter((job) => job !== undefined);
    return { items: items.slice(0, options.limit ?? 50) };
  }

  override async finishJob(...args: Parameters<InMemoryJobStore['finishJob']>): Promise<boolean> {
    const [memberGuid, jobGuid] = args;
    if (this.locks.get(memberGuid)?.job_guid === jobGuid) this.locks.delete(memberGuid);
    return super.finishJob(...args);
  }
}

/** A member's stored results in memory, in the order stored; pages are not cut (lists here are small). */
export class ApiResultStore implements Pick<ResultStore, keyof ResultStore> {
  readonly rows = new Map<string, Record<string, unknown>[]>();

  async putResults(memberGuid: string, kind: ResultKind, _jobGuid: string, items: readonly { guid?: string | null }[]) {
    this.rows.set(`${memberGuid}/${kind}`, [...(this.rows.get(`${memberGuid}/${kind}`) ?? []), ...items]);
    return items.length;
  }

  async listResults<T>(memberGuid: string, kind: ResultKind, options: ResultQuery = {}) {
    const { accountGuid, fromDate, toDate } = options.filter ?? {};
    const items = (this.rows.get(`${memberGuid}/${kind}`) ?? []).filter(
      (row) =>
        (!accountGuid || row.account_guid === accountGuid) &&
        (!fromDate || String(row.date) >= fromDate) &&
        (!toDate || String(row.date) <= toDate),
    );
    return { items: items.slice(0, options.limit ?? 100) as T[] };
  }

  async countResults(memberGuid: string, kind: ResultKind): Promise<number> {
    return this.rows.get(`${memberGuid}/${kind}`)?.length ?? 0;
  }
}

/** Task tokens sent back, in order. */
export class FakeTaskTokens implements TaskTokens {
  readonly succeeded: string[] = [];
  readonly failed: { token: string; error: string }[] = [];
  async succeed(token: string) {
    this.succeeded.push(token);
    return true;
  }
  async fail(token: string, error: string) {
    this.failed.push({ token, error });
    return true;
  }
}

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

export interface FakeApiDeps extends ApiDeps {
  readonly users: InMemoryUserStore;
  readonly members: InMemoryMemberStore;
  readonly jobs: ApiJobStore;
  readonly results: ApiResultStore;
  readonly idempotency: InMemoryIdempotencyStore;
  readonly sfn: FakeStepFunctions;
  readonly taskTokens: FakeTaskTokens;
  /** The MX methods called, in order. */
  readonly mxCalls: string[];
}

/** ApiDeps in memory: stores seeded with `users` and `members`, MX scripted per test. */
export function fakeApiDeps(
  seed: { users?: readonly UserRecord[]; members?: readonly MemberRecord[]; mx?: Partial<MxClient>; now?: Date } = {},
): FakeApiDeps {
  const mxCalls: string[] = [];
  const mx = scriptedMx(seed.mx ?? {}, mxCalls);
  const now = seed.now ?? NOW;
  return {
    mx: async () => mx,
    users: new InMemoryUserStore(seed.users),
    members: new InMemoryMemberStore(seed.members),
    jobs: new ApiJobStore(),
    results: new ApiResultStore(),
    idempotency: new InMemoryIdempotencyStore(),
    sfn: new FakeStepFunctions(),
    taskTokens: new FakeTaskTokens(),
    stateMachineArns: {
      aggregate: 'arn:aws:states:us-east-1:123456789012:stateMachine:aggregate',
      verify: 'arn:aws:states:us-east-1:123456789012:stateMachine:verify',
      identify: 'arn:aws:states:us-east-1:123456789012:stateMachine:identify',
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

const FAMILY_OPERATIONS = {
  users: userOperations,
  institutions: institutionOperations,
  members: memberOperations,
  jobs: jobOperations,
  results: resultOperations,
} as const;

/** Each family's real handler over these deps: what API Gateway would invoke, in-process. */
export function apiHandlersOver(deps: ApiDeps): Record<ApiFunction, ReturnType<typeof apiHandler>> {
  return {
    users: apiHandler('users', FAMILY_OPERATIONS.users, () => deps),
    institutions: apiHandler('institutions', FAMILY_OPERATIONS.institutions, () => deps),
    members: apiHandler('members', FAMILY_OPERATIONS.members, () => deps),
    jobs: apiHandler('jobs', FAMILY_OPERATIONS.jobs, () => deps),
    results: apiHandler('results', FAMILY_OPERATIONS.results, () => deps),
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

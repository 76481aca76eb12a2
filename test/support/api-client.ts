import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import type { JobView } from '#cli/api-client.js';
import { type MxflowPathsClient, mxflowPathsClient } from '#cli/api-client.js';
import type { RequestSigner } from '#cli/sigv4.js';
import { LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION } from '#local/dynamodb-local.js';
import type { LocalMxflow } from '#local/local-mxflow.js';
import type { components } from '#shared/api/generated/api-paths.js';
import { TERMINAL_JOB_STATUSES } from '#shared/contract/workflow.js';
import { keys } from '#shared/store/keys.js';
import { readDelay } from './read-delay.js';

/** An answer of the API: its status, headers and parsed JSON body (undefined when empty). */
export interface ApiResult {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

export interface SendOptions {
  /** Sent as JSON with Content-Type: application/json. */
  readonly json?: unknown;
  /** Sent as is (with only the headers given): for malformed bodies and wrong content types. */
  readonly raw?: string;
  readonly headers?: Record<string, string>;
}

export interface ApiClient {
  /** The typed client the CLI uses (openapi-fetch over the generated paths), for journeys. */
  readonly typed: MxflowPathsClient;
  /** Any request, as sent: for refusals of malformed bodies, wrong content types and unknown routes. */
  send(method: string, path: string, options?: SendOptions): Promise<ApiResult>;
  get(path: string): Promise<ApiResult>;
  post(path: string, json?: unknown): Promise<ApiResult>;
  put(path: string, json?: unknown): Promise<ApiResult>;
  delete(path: string): Promise<ApiResult>;
  /**
   * Settles once the job's execution has ended, where the test can see it (the local Step
   * Functions in its process): `waitForJob(…, ended)` waits for that instead of reading the job
   * again and again.
   */
  readonly executionEnded?: ExecutionEnded;
}

export type ExecutionEnded = (job: { guid: string; type: string }, timeoutMs: number) => Promise<unknown>;

/** Every answer as it came, for tests that scan what the API said. */
export interface RecordedAnswer {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly text: string;
}

/**
 * A tiny fetch wrapper over the API's real HTTP path (the local API Gateway); unsigned (the local
 * backend's) unless given a signer, e.g. `sigv4Signer(LOCAL_ANALYST)` to call as another principal.
 */
export function apiClient(
  baseUrl: string,
  onAnswer?: (answer: RecordedAnswer) => void,
  { signer, executionEnded }: { signer?: RequestSigner; executionEnded?: ExecutionEnded } = {},
): ApiClient {
  const send: ApiClient['send'] = async (method, path, { json, raw, headers = {} } = {}) => {
    const body = json === undefined ? raw : JSON.stringify(json);
    const unsigned = { ...(json === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers };
    const url = new URL(`${baseUrl}${path}`);
    const response = await fetch(url, {
      method,
      headers: signer ? await signer({ method, url, headers: unsigned, body }) : unsigned,
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    onAnswer?.({ method, path, status: response.status, text });
    return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
  };
  const withJson = (method: string) => (path: string, json?: unknown) =>
    send(method, path, json === undefined ? {} : { json });
  // The typed client's answers are recorded too, so a scan of what the API said sees every call.
  const recordingFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const response = await fetch(request);
    if (onAnswer) {
      const text = await response.clone().text();
      onAnswer({ method: request.method, path: request.url.slice(baseUrl.length), status: response.status, text });
    }
    return response;
  };
  return {
    typed: mxflowPathsClient(baseUrl, { signer: signer ?? null, fetch: recordingFetch }),
    send,
    get: (path) => send('GET', path),
    post: withJson('POST'),
    put: withJson('PUT'),
    delete: (path) => send('DELETE', path),
    ...(executionEnded ? { executionEnded } : {}),
  };
}

/** Asserts the API's error envelope: the status, the code and the field it names (or none). */
export function expectError(result: ApiResult, status: number, code: string, field?: string): void {
  expect({ status: result.status, body: result.body }).toEqual({
    status,
    body: { error: { code, message: expect.any(String), ...(field === undefined ? {} : { field }) } },
  });
}

/** The API's error envelope, as the OpenAPI document describes it. */
export type ErrorBody = components['schemas']['ErrorBody'];
type ErrorCode = ErrorBody['error']['code'];

/** What a typed call (`api.typed.GET(…)`) answers: its data, or its error body, and the response. */
export interface TypedAnswer<Data> {
  readonly data?: Data;
  readonly error?: unknown;
  readonly response: Response;
}

/** Asserts a typed call succeeded with `status` (200 unless told) and answers its typed body. */
export function expectOk<Data>(answer: TypedAnswer<Data>, status = 200): NonNullable<Data> {
  expect({ status: answer.response.status, error: answer.error }).toEqual({ status, error: undefined });
  return answer.data as NonNullable<Data>;
}

/**
 * Asserts a typed call was refused with the API's error envelope (the status, the code and the
 * field it names, or none) and answers that envelope.
 */
export function expectRefusal(
  answer: TypedAnswer<unknown>,
  status: number,
  code: ErrorCode,
  field?: string,
): ErrorBody {
  expect({ status: answer.response.status, body: answer.error }).toEqual({
    status,
    body: { error: { code, message: expect.any(String), ...(field === undefined ? {} : { field }) } },
  });
  return answer.error as ErrorBody;
}

/** A page of a list the API answers: its items under the list's own key, and the next page's cursor. */
interface ListPage {
  readonly pagination: { readonly next_cursor: string | null };
}

/**
 * Every page of a typed list, in order: reads the first page with `read({})`, then each next one
 * with `read({ cursor })`, until `next_cursor` is null. Asserts each page is a 200, and fails after
 * `maxPages` pages, so a cursor that never ends fails the test instead of hanging it.
 */
export async function everyPage<Page extends ListPage>(
  read: (next: { cursor?: string }) => Promise<TypedAnswer<Page>>,
  maxPages = 100,
): Promise<NonNullable<Page>[]> {
  const pages: NonNullable<Page>[] = [];
  let next: { cursor?: string } = {};
  for (;;) {
    const page = expectOk(await read(next));
    pages.push(page);
    const cursor = page.pagination.next_cursor;
    if (cursor === null) return pages;
    if (pages.length >= maxPages) throw new Error(`the list still had a next_cursor after ${maxPages} pages`);
    next = { cursor };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads `GET …/jobs/{job_guid}` every 10 ms until `until` holds for the job it answers, or
 * fails after `timeoutMs` of real time with the last answer.
 */
export async function waitForJob(
  api: ApiClient,
  job: { guid: string; user_guid: string; member_guid: string },
  until: (job: JobView) => boolean,
  timeoutMs = 15_000,
): Promise<JobView> {
  const path = { user_guid: job.user_guid, member_guid: job.member_guid, job_guid: job.guid };
  const deadline = Date.now() + timeoutMs;
  let awaitedExecution = false;
  for (let reads = 0; ; reads += 1) {
    const read = await api.typed.GET('/users/{user_guid}/members/{member_guid}/jobs/{job_guid}', {
      params: { path },
    });
    if (read.data && until(read.data.job)) return read.data.job;
    if (Date.now() > deadline)
      throw new Error(
        `job ${job.guid} did not get there in ${timeoutMs} ms; ` +
          `last read ${read.response.status} ${JSON.stringify(read.data ?? read.error)}`,
      );
    if (until === ended && api.executionEnded && read.data && !awaitedExecution) {
      // Once, then read as before: a job an event ends (a stopped execution) ends just after it.
      awaitedExecution = true;
      await api.executionEnded(read.data.job, Math.max(0, deadline - Date.now())).catch(() => undefined);
      continue;
    }
    await sleep(readDelay(reads));
  }
}

/** Reads `GET /deletions/{deletion_guid}` until the deletion ends (or fails after `timeoutMs`); answers it. */
export async function deletionEnded(api: ApiClient, guid: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (let reads = 0; ; reads += 1) {
    const { deletion } = expectOk(
      await api.typed.GET('/deletions/{deletion_guid}', { params: { path: { deletion_guid: guid } } }),
    );
    if (deletion.status !== 'RUNNING') return deletion;
    if (Date.now() > deadline) throw new Error(`deletion ${guid} still RUNNING: ${JSON.stringify(deletion)}`);
    await sleep(readDelay(reads));
  }
}

/** A job status predicate, e.g. `waitForJob(api, job, status('SUCCEEDED'))`. */
export const status =
  (...statuses: string[]) =>
  (job: { status: string }) =>
    statuses.includes(job.status);

/** The terminal statuses: wait for one of these when any ending will do. */
export const ended = status(...TERMINAL_JOB_STATUSES);

/** A new user through `POST /users`; answers its guid. */
export async function createUser(api: ApiClient, id = `api-user-${crypto.randomUUID()}`): Promise<string> {
  return expectOk(await api.typed.POST('/users', { body: { user: { id } } }), 201).user.guid;
}

/** The credentials of an institution (asked of `GET /institutions/{code}/credentials`) for `mxuser` and this password. */
export async function credentialsFor(
  api: ApiClient,
  password: string,
  institution = 'mxbank',
): Promise<{ guid: string; value: string }[]> {
  const fields = expectOk(
    await api.typed.GET('/institutions/{institution_code}/credentials', {
      params: { path: { institution_code: institution } },
    }),
  );
  // The document leaves an MX credential field open (MxRecord); only its guid and type matter here.
  return fields.credentials.map((field) => ({
    guid: String(field.guid),
    value: field.field_type === 'PASSWORD' || field.type === 'PASSWORD' ? password : 'mxuser',
  }));
}

/**
 * A new user and a member of it connected with `mxuser` and `password` through `POST …/members`,
 * with skip_aggregation (no job follows): where most tests begin.
 */
export async function createIdleMember(
  api: ApiClient,
  { password = 'password', institution = 'mxbank' }: { password?: string; institution?: string } = {},
): Promise<{ user_guid: string; member_guid: string }> {
  const user_guid = await createUser(api);
  const created = await api.typed.POST('/users/{user_guid}/members', {
    params: { path: { user_guid } },
    body: {
      member: {
        institution_code: institution,
        credentials: await credentialsFor(api, password, institution),
        skip_aggregation: true,
      },
    },
  });
  return { user_guid, member_guid: expectOk(created, 201).member.guid };
}

/** The stack's table, for what a test reads or sets up directly; destroyed after `use`. */
async function withTable<T>(
  stack: Pick<LocalMxflow, 'endpoints' | 'tableName'>,
  use: (doc: DynamoDBDocumentClient) => Promise<T>,
): Promise<T> {
  const client = new DynamoDBClient({
    endpoint: stack.endpoints.dynamodb,
    region: LOCAL_AWS_REGION,
    credentials: LOCAL_AWS_CREDENTIALS,
  });
  try {
    return await use(DynamoDBDocumentClient.from(client));
  } finally {
    client.destroy();
  }
}

/**
 * Makes the member one last synced longer ago than MX lists changes for (6 months): its next
 * aggregation copies its transactions whole again, as a new generation.
 */
export async function syncedLongAgo(
  stack: Pick<LocalMxflow, 'endpoints' | 'tableName'>,
  memberGuid: string,
): Promise<void> {
  await withTable(stack, (doc) =>
    doc.send(
      new UpdateCommand({
        TableName: stack.tableName,
        Key: keys.transactionSync(memberGuid),
        UpdateExpression: 'SET synced_on = :long_ago',
        ExpressionAttributeValues: { ':long_ago': '2000-01-01' },
      }),
    ),
  );
}

/** Every item of the stack's table, read with a Scan: to check what mxflow kept, and what it did not. */
export async function storedItems(
  stack: Pick<LocalMxflow, 'endpoints' | 'tableName'>,
): Promise<Record<string, unknown>[]> {
  return withTable(stack, async (doc) => {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new ScanCommand({ TableName: stack.tableName, ExclusiveStartKey: startKey, ConsistentRead: true }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  });
}

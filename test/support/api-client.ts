import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import { type MxflowPathsClient, mxflowPathsClient } from '#cli/api-client.js';
import { LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION } from '#local/dynamodb-local.js';
import type { LocalMxflow } from '#local/local-mxflow.js';
import { TERMINAL_JOB_STATUSES } from '#shared/contract/workflow.js';

/** An answer of the API: its status, headers and parsed JSON body (undefined when empty). */
export interface ApiResult {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
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
}

/** Every answer as it came, for tests that scan what the API said. */
export interface RecordedAnswer {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly text: string;
}

/** A tiny fetch wrapper over the API's real HTTP path (the local API Gateway). */
export function apiClient(baseUrl: string, onAnswer?: (answer: RecordedAnswer) => void): ApiClient {
  const send: ApiClient['send'] = async (method, path, { json, raw, headers = {} } = {}) => {
    const body = json === undefined ? raw : JSON.stringify(json);
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...(json === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    onAnswer?.({ method, path, status: response.status, text });
    return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
  };
  const withJson = (method: string) => (path: string, json?: unknown) =>
    send(method, path, json === undefined ? {} : { json });
  return {
    typed: mxflowPathsClient(baseUrl, { signer: null }),
    send,
    get: (path) => send('GET', path),
    post: withJson('POST'),
    put: withJson('PUT'),
    delete: (path) => send('DELETE', path),
  };
}

/** Asserts the API's error envelope: the status, the code and the field it names (or none). */
export function expectError(result: ApiResult, status: number, code: string, field?: string): void {
  expect({ status: result.status, body: result.body }).toEqual({
    status,
    body: { error: { code, message: expect.any(String), ...(field === undefined ? {} : { field }) } },
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads `GET …/jobs/{job_guid}` every 10 ms until `until` holds for the job it answers, or
 * fails after `timeoutMs` of real time with the last answer.
 */
export async function waitForJob(
  api: ApiClient,
  job: { guid: string; user_guid: string; member_guid: string },
  until: (job: ApiResult['body']) => boolean,
  timeoutMs = 15_000,
): Promise<ApiResult['body']> {
  const path = `/users/${job.user_guid}/members/${job.member_guid}/jobs/${job.guid}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const read = await api.get(path);
    if (read.status === 200 && until(read.body.job)) return read.body.job;
    if (Date.now() > deadline)
      throw new Error(
        `job ${job.guid} did not get there in ${timeoutMs} ms; last read ${read.status} ${JSON.stringify(read.body)}`,
      );
    await sleep(10);
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
  const created = await api.post('/users', { user: { id } });
  expect(created.status).toBe(201);
  return String(created.body.user.guid);
}

/** The credentials of an institution (asked of `GET /institutions/{code}/credentials`) for `mxuser` and this password. */
export async function credentialsFor(
  api: ApiClient,
  password: string,
  institution = 'mxbank',
): Promise<{ guid: string; value: string }[]> {
  const fields = await api.get(`/institutions/${institution}/credentials`);
  expect(fields.status).toBe(200);
  return (fields.body.credentials as { guid: string; field_type?: string; type?: string }[]).map((field) => ({
    guid: field.guid,
    value: field.field_type === 'PASSWORD' || field.type === 'PASSWORD' ? password : 'mxuser',
  }));
}

/** Every item of the stack's table, read with a Scan: to check what mxflow kept, and what it did not. */
export async function storedItems(
  stack: Pick<LocalMxflow, 'endpoints' | 'tableName'>,
): Promise<Record<string, unknown>[]> {
  const client = new DynamoDBClient({
    endpoint: stack.endpoints.dynamodb,
    region: LOCAL_AWS_REGION,
    credentials: LOCAL_AWS_CREDENTIALS,
  });
  const doc = DynamoDBDocumentClient.from(client);
  try {
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
  } finally {
    client.destroy();
  }
}

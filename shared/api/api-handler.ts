import { createHash } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { isMxError } from '#shared/mx/index.js';
import type { ApiDeps } from '#shared/runtime/api-runtime.js';
import { logger } from '#shared/runtime/logger.js';
import { ApiError } from './api-error.js';
import { apiErrorForMx } from './mx-errors.js';
import { IDEMPOTENCY_KEY, type ParsedRequest, parseRequest } from './parse-request.js';
import { type ApiFunction, type OperationId, ROUTES, type RouteSpec, routeKey } from './routes.js';

export interface ApiResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export type Operation = (deps: ApiDeps, request: ParsedRequest) => Promise<ApiResponse>;

const JSON_HEADERS = { 'Content-Type': 'application/json' };

function respond({ status, body, headers }: ApiResponse): APIGatewayProxyResult {
  return { statusCode: status, headers: { ...JSON_HEADERS, ...headers }, body: body === undefined ? '' : JSON.stringify(body) };
}

function errorResponse(error: unknown): APIGatewayProxyResult {
  const apiError =
    error instanceof ApiError ? error : isMxError(error) ? apiErrorForMx(error) : new ApiError(500, 'INTERNAL_ERROR', 'mxflow failed; the operators have the details');
  if (apiError.status >= 500) logger.error('request failed', { code: apiError.code, error: isMxError(error) ? error.toJSON() : (error as Error) });
  return respond({ status: apiError.status, body: apiError.toBody(), headers: apiError.headers });
}

/** How long a key replays its first success: a day covers any client's retries. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
/** A claim older than this is a request that died: past the API's own 29 s limit. */
const IDEMPOTENCY_LEASE_SECONDS = 60;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * JSON with sorted keys: the same body hashes the same however its keys were ordered. The values
 * of credentials are left out: a fast hash of a password kept for a day could be guessed back,
 * so a key reused with other credentials alone replays the first answer.
 */
function canonicalJson(value: unknown, parentKey = ''): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item, parentKey)).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([k, v]) => v !== undefined && !(parentKey === 'credentials' && k === 'value'))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v, k)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * Runs an operation at most once per Idempotency-Key: the key is scoped to the route and its
 * path parameters (so to the user), and only hashes are stored, never the key or the body,
 * which for a member holds bank credentials. A success is kept and replayed; a failure frees
 * the key so the retry runs again.
 */
async function runIdempotently(deps: ApiDeps, route: RouteSpec, request: ParsedRequest & { idempotencyKey: string }, run: () => Promise<ApiResponse>): Promise<ApiResponse> {
  const keyHash = sha256(`${routeKey(route)}\n${canonicalJson(request.params)}\n${request.idempotencyKey}`);
  const claim = await deps.idempotency.claim({
    keyHash,
    requestHash: sha256(canonicalJson(request.body)),
    now: deps.now(),
    ttlSeconds: IDEMPOTENCY_TTL_SECONDS,
    leaseSeconds: IDEMPOTENCY_LEASE_SECONDS,
  });
  const field = IDEMPOTENCY_KEY.header;
  if (claim.kind === 'mismatch') throw new ApiError(422, 'IDEMPOTENCY_KEY_REUSED', `this ${field} was used with another body; send a new key for a new request`, field);
  if (claim.kind === 'in_progress') throw new ApiError(409, 'IDEMPOTENCY_IN_PROGRESS', `a request with this ${field} is still running; retry when it has answered`, field);
  if (claim.kind === 'replay') return { ...claim.response, headers: { ...claim.response.headers, [IDEMPOTENCY_KEY.replayedHeader]: 'true' } };
  let response: ApiResponse;
  try {
    response = await run();
  } catch (error) {
    await deps.idempotency.release(keyHash).catch((releaseError: unknown) => logger.warn('idempotency key not released', { error: releaseError as Error }));
    throw error;
  }
  await deps.idempotency.complete(keyHash, response);
  return response;
}

/**
 * The Lambda behind one family of routes: finds the route the event came through, checks the
 * request against the route's schemas, runs the operation, and turns every refusal into
 * `{error: {code, message, field?}}`. Logs carry the route and status, never a body.
 */
export function apiHandler<F extends ApiFunction>(family: F, operations: Record<OperationId<F>, Operation>, deps: () => ApiDeps) {
  const routes = new Map<string, RouteSpec>(ROUTES.filter((r) => r.function === family).map((r) => [routeKey(r), r]));
  return middy(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const key = `${event.httpMethod} ${event.resource}`;
    logger.appendKeys({ route: key, requestId: event.requestContext?.requestId });
    const route = routes.get(key);
    try {
      if (!route) throw new ApiError(404, 'NOT_FOUND', `${key} is not a route of this API`);
      const operation = operations[route.operationId as OperationId<F>];
      const request = parseRequest(route, event);
      const { idempotencyKey } = request;
      const response =
        idempotencyKey === undefined
          ? await operation(deps(), request)
          : await runIdempotently(deps(), route, { ...request, idempotencyKey }, () => operation(deps(), request));
      logger.info('request done', { status: response.status });
      return respond(response);
    } catch (error) {
      const response = errorResponse(error);
      logger.info('request refused', { status: response.statusCode });
      return response;
    }
  })
    .use(injectLambdaContext(logger, { resetKeys: true }));
}

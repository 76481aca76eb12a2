import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { isMxError } from '../mx/index.js';
import type { ApiDeps } from '../runtime/api-runtime.js';
import { logger } from '../runtime/logger.js';
import { ApiError } from './api-error.js';
import { apiErrorForMx } from './mx-errors.js';
import { type ParsedRequest, parseRequest } from './parse-request.js';
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
      const response = await operation(deps(), parseRequest(route, event));
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

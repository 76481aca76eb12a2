import middy, { type MiddlewareObj } from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpRouterHandler, { type Method } from '@middy/http-router';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { AWS_TRANSIENT_ERRORS } from '#shared/jobs/workflow-errors.js';
import { isMxError } from '#shared/mx/index.js';
import type { ApiDeps } from '#shared/runtime/api-runtime.js';
import { auditLogger, logger } from '#shared/runtime/logger.js';
import { observability } from '#shared/runtime/observability.js';
import { DynamoDbThrottled } from '#shared/store/dynamodb-retries.js';
import { isUnhandledWebhookType } from '#shared/webhooks/mx-webhook.js';
import { ApiError } from './api-error.js';
import { AUDIT_MESSAGE, auditEventOf } from './audit.js';
import { basicCredentialsMatch } from './basic-auth.js';
import { runIdempotently } from './idempotency.js';
import { apiErrorForMx } from './mx-errors.js';
import type { ApiResponse, FamilyOperations, Operation } from './operation.js';
import { parseRouteRequest, type RoutedEvent } from './parse-request.js';
import { API_ROUTES, type ApiFunction, type RouteRequest, type RouteSpec, routeKey } from './routes.js';

const JSON_HEADERS = { 'Content-Type': 'application/json' };

function respond({ status, body, headers }: ApiResponse): APIGatewayProxyResult {
  return {
    statusCode: status,
    headers: { ...JSON_HEADERS, ...headers },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}

/** Seconds a caller is asked to wait after DynamoDB throttled past the SDK's and the stores' retries. */
const STORE_BUSY_RETRY_AFTER = '2';

/**
 * Every failure as one of the catalogue's refusals: ours, MX's mapped, DynamoDB's throttling a
 * 503 to retry (nothing was lost: the write did not happen), anything else a 500.
 */
function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (isMxError(error)) return apiErrorForMx(error);
  if (isStoreBusy(error))
    return new ApiError('STORE_BUSY', undefined, { headers: { 'Retry-After': STORE_BUSY_RETRY_AFTER } });
  return new ApiError('INTERNAL_ERROR');
}

/**
 * A transient failure of DynamoDB: an SDK error (it carries `$metadata`) of a transient kind, or
 * the stores' own DynamoDbThrottled. Not middy's TimeoutError (the request's time ran out), which
 * shares the SDK's name for a dropped connection.
 */
function isStoreBusy(error: unknown): boolean {
  if (!(error instanceof Error) || !(AWS_TRANSIENT_ERRORS as readonly string[]).includes(error.name)) return false;
  return error instanceof DynamoDbThrottled || '$metadata' in error;
}

/**
 * Turns a failure into `{error: {code, message, field?}}` for http-error-handler to answer,
 * logging what the operators need for a 5xx (never a body).
 */
function apiErrorBody(): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: (request) => {
      const apiError = asApiError(request.error);
      if (apiError.status >= 500) {
        const error = isMxError(request.error) ? request.error.toJSON() : (request.error as Error);
        logger.error('request failed', { code: apiError.code, error });
      }
      logger.info('request refused', { status: apiError.status });
      request.error = Object.assign(new Error(JSON.stringify(apiError.toBody())), {
        statusCode: apiError.status,
        expose: true,
        headers: { ...JSON_HEADERS, ...apiError.headers },
      });
    },
  };
}

/** Log lines of a request carry its route; a success logs its status. */
function requestLog(): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    before: ({ event }) => {
      logger.appendKeys({ route: `${event.httpMethod} ${event.resource}`, requestId: event.requestContext?.requestId });
    },
    after: ({ response }) => {
      logger.info('request done', { status: response?.statusCode });
    },
  };
}

/**
 * MX's webhook route: the HTTP Basic credentials of the webhook secret, checked before anything
 * else of the request is read (a stranger learns nothing, not even whether a body would pass);
 * then a delivery of a type mxflow does not act on is answered 204 and dropped.
 */
function mxWebhookGate(deps: () => ApiDeps): MiddlewareObj<RoutedEvent, APIGatewayProxyResult> {
  return {
    before: async ({ event }) => {
      const expected = await deps().webhookCredentials();
      if (!basicCredentialsMatch(event.headers?.authorization, expected)) {
        throw new ApiError('UNAUTHORIZED', undefined, { headers: { 'WWW-Authenticate': 'Basic realm="mxflow"' } });
      }
      if (isUnhandledWebhookType(parsedOrUndefined(event.body))) {
        logger.info('MX webhook of a type mxflow does not act on, dropped');
        return respond({ status: 204 });
      }
    },
  };
}

const parsedOrUndefined = (text: string | null): unknown => {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
};

/** One route's Lambda step: its request parsed by its middlewares, then its operation, at most once per Idempotency-Key. */
function routeHandler(route: RouteSpec, operation: Operation<RouteSpec>, deps: () => ApiDeps) {
  return middy<RoutedEvent, APIGatewayProxyResult>()
    .use(route.auth === 'mx-webhook' ? [mxWebhookGate(deps)] : [])
    .use(parseRouteRequest(route))
    .handler(async (event) => {
      // The route's middlewares parsed the request with this route's schemas: it is its operation's.
      const request = event.parsed as RouteRequest<RouteSpec>;
      const { idempotencyKey } = request;
      const run = () => operation(deps(), request);
      const response =
        idempotencyKey === undefined
          ? await run()
          : await runIdempotently(deps(), route, { params: request.params, body: request.body, idempotencyKey }, run);
      // A read of account numbers or owners: who read how many, never what.
      const audit = auditEventOf(route.operationId, event.requestContext?.identity, request.params, response);
      if (audit) auditLogger.info(AUDIT_MESSAGE, { audit, requestId: event.requestContext?.requestId });
      return respond(response);
    });
}

/**
 * The Lambda behind one family of routes: middy's router dispatches on the method and the
 * API Gateway resource the event came through, each route's middlewares check the request
 * against its schemas, and every refusal answers `{error: {code, message, field?}}`.
 * Logs carry the route and status, never a body.
 */
export function apiHandler<F extends ApiFunction>(family: F, operations: FamilyOperations<F>, deps: () => ApiDeps) {
  const operationOf = operations as unknown as Record<string, Operation<RouteSpec>>;
  const routes = (API_ROUTES as readonly RouteSpec[])
    .filter((route) => route.function === family)
    .map((route) => ({
      method: route.method as Method,
      path: route.path,
      handler: routeHandler(route, operationOf[route.operationId] as Operation<RouteSpec>, deps),
    }));
  const router = httpRouterHandler({
    routes,
    notFoundResponse: ({ method, path }) => {
      throw new ApiError('NOT_FOUND', { message: `${routeKey({ method, path })} is not a route of this API` });
    },
  });
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(observability())
    .use(httpHeaderNormalizer())
    .use(requestLog())
    .use(httpErrorHandler({ logger: false }))
    .use(apiErrorBody())
    .handler(async (event: APIGatewayProxyEvent, context: Context) => {
      const key = `${event.httpMethod} ${event.resource}`;
      // The router reads `path`: API Gateway's resource is the route's template itself.
      if (!event.httpMethod || !event.resource)
        throw new ApiError('NOT_FOUND', { message: `${key} is not a route of this API` });
      return (await router({ ...event, path: event.resource }, context)) as APIGatewayProxyResult;
    });
}

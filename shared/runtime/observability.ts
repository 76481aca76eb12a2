import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { MiddlewareObj } from '@middy/core';
import { logger } from './logger.js';

/**
 * The middlewares every mxflow Lambda wears, API and workflow alike: `.use(observability())`.
 * Logs carry the Lambda context; tracing and metrics join here.
 */
export function observability(): MiddlewareObj[] {
  return [injectLambdaContext(logger, { resetKeys: true })];
}

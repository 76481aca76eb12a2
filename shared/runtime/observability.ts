import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj } from '@middy/core';
import { logger } from './logger.js';
import { metrics } from './metrics.js';
import { tracer } from './tracer.js';

/**
 * The middlewares every mxflow Lambda wears, API and workflow alike: `.use(observability())`.
 * The handler's X-Ray segment (its response never captured: it can hold end-user data), logs
 * with the Lambda context and nothing left from the previous invocation, and the metrics
 * recorded during the invocation flushed at its end, with a cold-start metric.
 */
export function observability(): MiddlewareObj[] {
  return [
    captureLambdaHandler(tracer, { captureResponse: false }),
    injectLambdaContext(logger, { resetKeys: true }),
    logMetrics(metrics, { captureColdStartMetric: true, throwOnEmptyMetrics: false }),
  ];
}

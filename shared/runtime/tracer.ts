import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * The one X-Ray tracer. It traces only inside Lambda: off the platform (locally, in tests) and
 * with POWERTOOLS_TRACE_ENABLED=false every call on it is a no-op, so no code path differs.
 */
export const tracer = new Tracer({ serviceName: 'mxflow' });

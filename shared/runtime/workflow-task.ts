import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { z } from 'zod';
import type { WorkflowDeps } from '#shared/jobs/workflow-deps.js';
import { logger } from './logger.js';
import { workflowDeps } from './workflow-runtime.js';

type JobEvent = { job: { jobGuid: string; userGuid: string; memberGuid: string; jobType: string } };

/**
 * The shape every workflow task Lambda shares: check the event, tag the logs with the job's
 * references, run one step, log its outcome (never its data) and hand its result back.
 */
export function workflowTask<S extends z.ZodType<JobEvent>, R>(
  schema: S,
  step: (deps: WorkflowDeps, event: z.output<S>) => Promise<R>,
  summarize: (result: R) => Record<string, unknown>,
  /** Metrics the step's outcome stands for (jobs started, ended, polls). */
  measure?: (result: R, event: z.output<S>) => void,
) {
  return middy(async (event: unknown): Promise<R> => {
    const input = schema.parse(event);
    logger.appendKeys({ jobGuid: input.job.jobGuid, memberGuid: input.job.memberGuid, jobType: input.job.jobType });
    const result = await step(await workflowDeps(), input);
    logger.info('workflow step done', summarize(result));
    measure?.(result, input);
    return result;
  })
    .use(injectLambdaContext(logger, { resetKeys: true }));
}

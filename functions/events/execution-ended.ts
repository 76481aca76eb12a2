import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ENV } from '#shared/contract/workflow.js';
import { endJobOfStoppedExecution, type StoppedJobOutcome } from '#shared/jobs/end-stopped-job.js';
import { ExecutionEndedEvent } from '#shared/jobs/workflow-events.js';
import { documentClient } from '#shared/runtime/aws-clients.js';
import { parseEnvironment, TableEnvironment } from '#shared/runtime/environment.js';
import { logger } from '#shared/runtime/logger.js';
import { recordJobEnded } from '#shared/runtime/metrics.js';
import { observability } from '#shared/runtime/observability.js';
import type * as z from '#shared/runtime/zod.js';
import { JobStore } from '#shared/store/job-store.js';

let jobs: JobStore | undefined;

/** EventBridge: a job execution failed, timed out or was stopped; its job record ends too. */
export const handler: (event: unknown, context: Context) => Promise<StoppedJobOutcome['result']> = middy<
  z.output<typeof ExecutionEndedEvent>
>()
  .use(observability())
  .use(parser({ schema: ExecutionEndedEvent }))
  .handler(async ({ detail }) => {
    jobs ??= new JobStore(documentClient(), parseEnvironment(TableEnvironment, process.env)[ENV.tableName]);
    const outcome = await endJobOfStoppedExecution({ jobs, now: () => new Date() }, detail);
    logger.info('execution ended', {
      executionArn: detail.executionArn,
      status: detail.status,
      result: outcome.result,
    });
    if (outcome.result === 'ENDED') recordJobEnded(outcome);
    return outcome.result;
  });
